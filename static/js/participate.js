/* Progressive enhancement for the story form: show one empty value item at a time. */
(function () {
  "use strict";
  var slots = document.querySelectorAll("[data-value-slot]");
  if (!slots.length) { return; }
  document.documentElement.classList.add("js");
  function filled(slot) {
    var inputs = slot.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i++) {
      if ((inputs[i].type === "radio" && inputs[i].checked) || (inputs[i].type === "text" && inputs[i].value)) { return true; }
    }
    return false;
  }
  for (var i = 0; i < slots.length; i++) {
    if (i > 0 && !filled(slots[i]) && !slots[i].classList.contains("field-error")) { slots[i].setAttribute("data-spare", ""); }
  }
  var last = slots[slots.length - 1];
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button secondary";
  button.textContent = last.closest("form").getAttribute("data-add-label") || "Add another kind of value";
  button.addEventListener("click", function () {
    var next = document.querySelector("[data-value-slot][data-spare]");
    if (!next) { return; }
    next.removeAttribute("data-spare");
    var first = next.querySelector("input");
    if (first) { first.focus(); }
    if (!document.querySelector("[data-value-slot][data-spare]")) { button.remove(); }
  });
  if (document.querySelector("[data-value-slot][data-spare]")) { last.parentNode.insertBefore(button, last.nextSibling); }
}());
