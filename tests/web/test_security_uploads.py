"""Uploads from strangers' spreadsheets: size limits with a friendly 413, the type read from the
content (a renamed file is refused by name), zip bombs and vast sparse sheets refused before
any parser fills memory, and nothing stored from a refused upload."""

from __future__ import annotations

import io
import re
import struct
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from revaluation.extensions import db
from revaluation.models import Instrument, StoredFile
from revaluation.services.imports import ImportRejected, read_table
from revaluation.services.uploads import UploadRejected, check_upload, kind_of
from surveys.formats.archive import ArchiveLimits, ArchiveRejected, check_workbook_archive

CSV = b"response_id,life_satisfaction\nr1,7\nr2,8\n"
YAML = b"key: tiny\ntitle: Tiny\nsections:\n  - key: p\n    title: P\n    questions:\n" \
       b"      - {key: q, type: text, label: Q}\n"


def _xlsx(rows=(("response_id", "life_satisfaction"), ("r1", 7))) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rebuild(content: bytes, change) -> bytes:
    """The workbook with each part passed through ``change(name, data) -> data``."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, change(item.filename, source.read(item.filename)))
    return out.getvalue()


def bomb_by_ratio() -> bytes:
    """A real workbook plus a 30 MB part of zeros that compresses to about 30 KB."""
    content = _xlsx()
    out = io.BytesIO(content)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (30 * 1024 * 1024))
    return out.getvalue()


def bomb_by_declared_size() -> bytes:
    """A workbook whose directory says a part unpacks to nearly 4 GB."""
    content = bytearray(_xlsx())
    at = content.index(b"PK\x01\x02")  # first central directory entry
    struct.pack_into("<I", content, at + 24, 0xFFFFFFF0)
    return bytes(content)


def bomb_by_parts() -> bytes:
    out = io.BytesIO(_xlsx())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as archive:
        for n in range(600):
            archive.writestr(f"xl/extra/{n}.xml", b"<x/>")
    return out.getvalue()


def vast_sparse_sheet() -> bytes:
    """4 KB that claims the whole grid: one cell in the last row and column."""
    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        text = re.sub(r'<dimension ref="[^"]+"/>', '<dimension ref="A1:XFD1048576"/>',
                      data.decode())
        return text.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" '
                            't="inlineStr"><is><t>z</t></is></c></row></sheetData>').encode()
    return _rebuild(_xlsx(), change)


BOMBS = {"ratio": bomb_by_ratio, "declared size": bomb_by_declared_size, "parts": bomb_by_parts}


@pytest.mark.parametrize("make", BOMBS.values(), ids=BOMBS.keys())
def test_zip_bombs_are_refused_before_opening(make):
    with pytest.raises(ArchiveRejected):
        check_workbook_archive(make(), "bomb.xlsx")
    with pytest.raises(ImportRejected):
        read_table(make(), "bomb.xlsx")


def test_an_ordinary_workbook_passes_the_archive_check():
    check_workbook_archive(_xlsx(), "fine.xlsx", ArchiveLimits())
    assert read_table(_xlsx(), "fine.xlsx").rows == [["r1", "7"]]


def test_a_vast_sparse_sheet_is_refused_not_filled():
    with pytest.raises(ImportRejected, match="runs past row 200,000"):
        read_table(vast_sparse_sheet(), "sparse.xlsx")


def test_too_many_columns_are_refused():
    header = ",".join(f"c{n}" for n in range(2_500)).encode()
    with pytest.raises(ImportRejected, match="2,500 columns"):
        read_table(header + b"\n" + b"1," * 2_499 + b"1\n", "wide.csv")


def test_a_huge_quoted_csv_field_is_a_clear_refusal():
    with pytest.raises(ImportRejected, match="could not be read as CSV"):
        read_table(b'a,b\n"' + b"x" * 200_000 + b'",1\n', "long.csv")


@pytest.mark.parametrize(("content", "name", "says"), [
    (CSV, "responses.xlsx", "named like an Excel workbook (.xlsx) but is a text file"),
    (_xlsx(), "responses.csv", "named like a text file (CSV, YAML or JSON) but is an Excel"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "responses.csv", "is an image"),
    (b"%PDF-1.7\n...", "responses.csv", "is a PDF document"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "responses.csv", "is a program or other binary file"),
    ("a,b\n1,2\n".encode("utf-16"), "responses.csv", "Save it as “CSV UTF-8”"),
    (b"   \n", "responses.csv", "is empty"),
])
def test_the_content_decides_not_the_name(content, name, says):
    with pytest.raises(UploadRejected, match=re.escape(says)):
        check_upload(content, name, accept=("text", "xlsx"), max_bytes=10**6)


def test_size_is_checked_first():
    with pytest.raises(UploadRejected, match="largest file accepted is 1 MB"):
        check_upload(b"x" * (2 * 1024 * 1024), "big.csv", accept=("text",),
                     max_bytes=1024 * 1024)


def test_kinds_are_read_from_the_first_bytes():
    assert kind_of(_xlsx()) == "xlsx"
    assert kind_of(CSV) == "text"
    assert kind_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest") == "xls"


# -- through the web -------------------------------------------------------------------------


@pytest.fixture
def owner(client, auth, make_user, make_evaluation):
    from revaluation.services import fieldwork, instruments
    from surveys.formats import load_instrument

    user = make_user("owner@example.org")
    evaluation = make_evaluation(user, slug="walks")
    version = instruments.create_instrument(evaluation, load_instrument(YAML.decode()))
    instruments.publish_version(version, user.id)
    wave = fieldwork.create_wave(evaluation, version, name="Spring", groups=["member"])
    db.session.commit()
    auth.login("owner@example.org")
    return wave


def _import(client, wave, content: bytes, name: str):
    return client.post(f"/e/walks/results/import/{wave.id}", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name)})


def _design(client, content: bytes, name: str):
    return client.post("/e/walks/instruments/upload", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name)})


def _stored() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(StoredFile)).scalar_one()


def _instruments() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Instrument)).scalar_one()


@pytest.mark.parametrize(("make", "says"), [
    (bomb_by_ratio, "suspiciously compressed part"),
    (bomb_by_declared_size, "would unpack to"),
    (bomb_by_parts, "files inside"),
    (lambda: CSV, "named like an Excel workbook"),
])
def test_response_imports_refuse_bombs_and_renamed_files(client, owner, make, says):
    response = _import(client, owner, make(), "responses.xlsx")
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    assert _stored() == 0


@pytest.mark.parametrize(("content", "name", "says"), [
    (bomb_by_ratio(), "form.xlsx", "suspiciously compressed part"),
    (bomb_by_declared_size(), "form.xlsx", "would unpack to"),
    (YAML, "form.xlsx", "named like an Excel workbook"),
    (_xlsx(), "form.yaml", "is an Excel workbook"),
    (b"%PDF-1.4 not a form", "form.yaml", "is a PDF document"),
])
def test_designer_uploads_refuse_bombs_and_renamed_files(client, owner, content, name, says):
    before = _instruments()
    response = _design(client, content, name)
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    assert _instruments() == before


def test_a_proper_yaml_upload_still_works(client, owner):
    response = _design(client, YAML.replace(b"key: tiny", b"key: other"), "other.yaml")
    assert response.status_code == 302


@pytest.fixture
def app_config() -> dict:
    return {"MAX_CONTENT_LENGTH": 256 * 1024}


@pytest.mark.parametrize("send", [_import, _design], ids=["response import", "designer"])
def test_too_large_uploads_get_a_friendly_413(client, owner, send):
    response = send(client, owner, b"a,b\n" + b"1,2\n" * 100_000, "big.csv") \
        if send is _import else send(client, b"# " + b"x" * 400_000, "big.yaml")
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "too large" in text.lower() or "larger than" in text.lower()
    assert "Traceback" not in text
    assert _stored() == 0
