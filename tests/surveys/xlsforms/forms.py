"""Real-world-shaped XLSForms for the import tests, built as .xlsx bytes with openpyxl.

Each form is a dict of sheet name -> rows (first row = headers), so a reader can see the
spreadsheet an author would have typed. `xlsx(sheets)` turns one into workbook bytes.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook

EN, CY = "English (en)", "Welsh (cy)"

#: A bilingual community check-in: groups (one nested), relevance, constraints with
#: messages, a calculation with piping, cascading selects, or_other, likert and range.
COMMUNITY = {
    "survey": [
        ["type", "name", f"label::{EN}", f"label::{CY}", f"hint::{EN}", "required",
         "relevant", "constraint", f"constraint_message::{EN}", f"constraint_message::{CY}",
         "calculation", "choice_filter", "appearance", "parameters", f"hint::{CY}"],
        ["begin_group", "about", "About you", "Amdanoch chi", None, None, None, None, None,
         None, None, None, "field-list", None],
        ["integer", "age", "How old are you?", "Faint yw eich oed?", "In years", "yes", None,
         ". >= 16 and . <= 120", "Please give an age from 16 to 120",
         "Rhowch oed rhwng 16 a 120", None, None, None, None, "Mewn blynyddoedd"],
        ["select_one yesno", "member", "Are you a member?", "Ydych chi'n aelod?", None, "yes",
         None, None, None, None, None, None, None, None],
        ["begin_group", "membership", "Your membership", "Eich aelodaeth", None, None,
         "${member} = 'yes'", None, None, None, None, None, "field-list", None],
        ["select_one region", "region", "Which region?", "Pa ranbarth?", None, None, None,
         None, None, None, None, None, "minimal", None],
        ["select_one area", "area", "Which area?", "Pa ardal?", None, None, None, None, None,
         None, None, "region=${region}", None, None],
        ["end_group", None, None, None, None, None, None, None, None, None, None, None, None,
         None],
        ["select_multiple activity or_other", "activities", "What have you done?",
         "Beth ydych chi wedi'i wneud?", None, None, "${member} = 'yes'", None, None, None,
         None, None, None, None],
        ["end_group", None, None, None, None, None, None, None, None, None, None, None, None,
         None],
        ["begin_group", "feelings", "How you feel", "Sut rydych chi'n teimlo", None, None,
         None, None, None, None, None, None, None, None],
        ["select_one agree5", "trust", "I trust the group.", "Rwy'n ymddiried yn y grŵp.",
         None, None, None, None, None, None, None, None, "likert", None],
        ["range", "satisfaction", "How satisfied are you?", "Pa mor fodlon ydych chi?", None,
         None, None, None, None, None, None, None, None, "start=0 end=10 step=1"],
        ["text", "comments", "Anything else?", "Unrhyw beth arall?", None, None, None, None,
         None, None, None, None, "multiline", None],
        ["calculate", "age_band", None, None, None, None, None, None, None, None,
         "if(${age} < 25, 'younger', 'older')", None, None, None],
        ["note", "thanks", "Thank you (${age_band} member).", "Diolch (${age_band}).", None,
         None, None, None, None, None, None, None, None, None],
        ["end_group", None, None, None, None, None, None, None, None, None, None, None, None,
         None],
    ],
    "choices": [
        ["list_name", "name", f"label::{EN}", f"label::{CY}", "region"],
        ["yesno", "yes", "Yes", "Ydw", None],
        ["yesno", "no", "No", "Nac ydw", None],
        ["region", "north", "North", "Gogledd", None],
        ["region", "south", "South", "De", None],
        ["area", "gwynedd", "Gwynedd", "Gwynedd", "north"],
        ["area", "conwy", "Conwy", "Conwy", "north"],
        ["area", "cardiff", "Cardiff", "Caerdydd", "south"],
        ["activity", "meetings", "Meetings", "Cyfarfodydd", None],
        ["activity", "marches", "Marches", "Gorymdeithiau", None],
        ["agree5", "1", "Strongly disagree", "Anghytuno'n gryf", None],
        ["agree5", "2", "Disagree", "Anghytuno", None],
        ["agree5", "3", "Neither", "Dim un", None],
        ["agree5", "4", "Agree", "Cytuno", None],
        ["agree5", "5", "Strongly agree", "Cytuno'n gryf", None],
    ],
    "settings": [
        ["form_title", "form_id", "default_language", "version"],
        ["Community check-in", "community_checkin", EN, "2024061101"],
    ],
}

#: A KoboToolbox-style form full of things Revaluation cannot ask. Rows are numbered as
#: in the spreadsheet (row 1 holds the headers).
UNSUPPORTED = {
    "survey": [
        ["type", "name", "label", "calculation", "media::image", "appearance"],
        ["start", "start", None, None, None, None],                       # row 2: skipped
        ["text", "name", "Your name", None, None, None],                  # row 3: fine
        ["geopoint", "where", "Where are you?", None, None, None],        # row 4
        ["begin_repeat", "children", "Children", None, None, None],       # row 5
        ["text", "child_name", "Child's name", None, None, None],         # row 6
        ["end_repeat", None, None, None, None, None],                     # row 7
        ["image", "photo", "Take a photo", None, None, None],             # row 8
        ["select_one_from_file clinics.csv", "clinic", "Clinic", None, None, None],  # row 9
        ["calculate", "price", None, "pulldata('prices', 'p', 'k', ${name})", None,
         None],                                                           # row 10
        ["select_one fruit", "fruit", "Fruit", None, None,
         "search('fruits')"],                                             # row 11
        ["note", "logo", "Welcome", None, "logo.png", None],              # row 12
        ["barcode", "code", "Scan the code", None, None, None],           # row 13
    ],
    "choices": [
        ["list_name", "name", "label"],
        ["fruit", "apple", "Apple"],
    ],
}


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    """Workbook bytes with one worksheet per entry, in order."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
