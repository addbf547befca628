#!/usr/bin/python3
"""test_export_grid.py — reads the grid ledger cunbaod wrote back with readers
nobody here wrote (Python's csv and openpyxl from Debian, and the workbook's
XML through zipfile) and checks every figure against what cunbaod's API
says the rollups are (GET /v1/rollups), the catalog's names and units and
the roster's names.  Run by test_export_grid.c:

  test_export_grid.py GRID.csv LEDGER.xlsx ROLLUPS.json catalog.json areas.csv AREA

Exits 0 when everything matches; otherwise prints each difference and exits 1
(77 when openpyxl is missing).
"""
import csv
import io
import json
import re
import sys
import zipfile
from decimal import Decimal

try:
    import openpyxl
except ImportError:
    print("python3-openpyxl is not installed")
    sys.exit(77)

errors = []


def fail(msg):
    errors.append(msg)


def load(argv):
    grid_csv, xlsx, rollups, catalog, areas, area = argv[1:7]
    with open(rollups, encoding="utf-8") as f:
        # Figures as exact decimals, never through a float.
        items = json.load(f, parse_float=Decimal, parse_int=Decimal)["items"]
    with open(catalog, encoding="utf-8") as f:
        kinds = json.load(f)["kinds"]
    with open(areas, encoding="utf-8") as f:
        roster = {r["path"]: r["name"] for r in csv.DictReader(f)}
    with open(grid_csv, "rb") as f:
        raw = f.read()
    return raw, xlsx, items, kinds, roster, area


def field_agg(kind, field):
    return field.get("agg") or kind["agg"]


def header(field):
    unit = field.get("unit", {}).get("zh", "")
    return "%s（%s）" % (field["names"]["zh"], unit) if unit else field["names"]["zh"]


def expected_tables(items, kinds, roster, area):
    """What cunbaod's rollups say the ledger of area holds: a table per kind
    (catalog order) and period, a row per group, the village's figures as
    the total."""
    cells = {(i["area"], i["kind"], i["period"]): i["values"] for i in items}
    children = sorted(p for p in roster if p.rsplit("/", 1)[0] == area and p != area)
    tables = []
    for kind in kinds:
        periods = sorted({p for (a, k, p) in cells if k == kind["code"] and a.startswith(area)})
        for period in periods:
            rows = [(roster[c], cells.get((c, kind["code"], period), {})) for c in children]
            total = cells[(area, kind["code"], period)]
            tables.append((kind, period, rows, total))
    return tables


def digits(kind, field):
    """Fraction digits a cell shows: the field's scale, two more for an
    average; a rate is a percentage with two."""
    agg = field_agg(kind, field)
    if agg == "rate":
        return 2
    return field.get("scale", 0) + (2 if agg == "avg" else 0)


def expected_text(kind, field, value, total):
    """The exact text of a cell: "" when nothing was reported, the yes/no word
    of a group's single answer, else the figure with all its digits."""
    if value is None:
        return ""
    agg = field_agg(kind, field)
    if field["type"] == "yesno" and not total:
        return field["yes"][0] if value == 1 else field["no"][0]
    q = Decimal(1).scaleb(-digits(kind, field))
    if agg == "rate":
        return "%s%%" % (value * 100).quantize(q)
    return str(value.quantize(q))


def check_csv(raw, tables, roster, area):
    if not raw.startswith(b"\xef\xbb\xbf"):
        fail("csv: no UTF-8 BOM")
    text = raw[3:].decode("utf-8")
    if "\r\n" not in text or re.search(r"[^\r]\n", text):
        fail("csv: lines do not end in CRLF")
    sections = text.split("\r\n\r\n")
    if len(sections) != len(tables):
        fail("csv: %d sections, the rollups have %d tables" % (len(sections), len(tables)))
    for sec, (kind, period, rows, total) in zip(sections, tables):
        lines = list(csv.reader(io.StringIO(sec.strip("\r\n"))))
        title = "%s %s %s" % (roster[area], kind["names"]["zh"], period)
        if lines[0] != [title]:
            fail("csv: title %r, want %r" % (lines[0], title))
        want_head = ["组"] + [header(f) for f in kind["fields"]]
        if lines[1] != want_head:
            fail("csv %s: header %r, want %r" % (title, lines[1], want_head))
        want = [[name] + [expected_text(kind, f, vals.get(f["code"]), False) for f in kind["fields"]]
                for name, vals in rows]
        want.append(["合计"] + [expected_text(kind, f, total.get(f["code"]), True)
                              for f in kind["fields"]])
        if lines[2:] != want:
            fail("csv %s:\n  got  %r\n  want %r" % (title, lines[2:], want))


def check_number(where, cell, kind, field, value, total):
    """A number cell: the figure exactly (what a spreadsheet shows at its
    15 digits, and the decimal of its double), shown with every digit."""
    v = cell.value
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        fail("%s: %r is not a number (want %s)" % (where, v, value))
        return
    want = value
    if Decimal(repr(float(v))) != want or Decimal("%.15g" % v) != want:
        fail("%s: %r, want exactly %s" % (where, v, want))
    d = digits(kind, field)
    fmt = ("0." + "0" * d if d else "0") + ("%" if field_agg(kind, field) == "rate" else "")
    if cell.number_format != fmt:
        fail("%s: number format %r, want %r" % (where, cell.number_format, fmt))


def check_sheet(ws, kind, period, rows, total, roster, area):
    name = "%s %s" % (kind["names"]["zh"], period)
    if ws.title != name:
        fail("xlsx: sheet %r, want %r" % (ws.title, name))
    title = "%s %s %s" % (roster[area], kind["names"]["zh"], period)
    if ws["A1"].value != title:
        fail("%s: A1 %r, want %r" % (name, ws["A1"].value, title))
    if ws.freeze_panes != "B3":
        fail("%s: frozen at %r, want B3 (title and header rows, names column)" % (name, ws.freeze_panes))
    heads = [ws.cell(2, c + 1).value for c in range(len(kind["fields"]) + 1)]
    want_head = ["组"] + [header(f) for f in kind["fields"]]
    if heads != want_head:
        fail("%s: header %r, want %r" % (name, heads, want_head))
    for c, h in enumerate(want_head):
        cell = ws.cell(2, c + 1)
        if not cell.font.b:
            fail("%s: header %s is not bold" % (name, h))
        letter = openpyxl.utils.get_column_letter(c + 1)
        width = ws.column_dimensions[letter].width
        # A Chinese character takes two columns.
        need = sum(2 if ord(ch) > 0x2e80 else 1 for ch in h)
        if width is None or width < need:
            fail("%s: column %s is %r wide, %r needs %d" % (name, letter, width, h, need))
    for r, (gname, vals) in enumerate(rows + [("合计", total)]):
        row = 3 + r
        is_total = gname == "合计"
        if ws.cell(row, 1).value != gname:
            fail("%s: A%d %r, want %r" % (name, row, ws.cell(row, 1).value, gname))
        if is_total:
            for c in range(len(kind["fields"]) + 1):
                if not ws.cell(row, c + 1).font.b:
                    fail("%s: total row cell %d is not bold" % (name, c + 1))
        for c, f in enumerate(kind["fields"]):
            cell = ws.cell(row, c + 2)
            where = "%s %s %s" % (name, gname, f["code"])
            value = vals.get(f["code"])
            if value is None:
                if cell.value is not None:
                    fail("%s: %r where nothing was reported" % (where, cell.value))
            elif f["type"] == "yesno" and not is_total:
                want = expected_text(kind, f, value, False)
                if cell.value != want:
                    fail("%s: %r, want %r" % (where, cell.value, want))
            else:
                check_number(where, cell, kind, f, value, is_total)
    if ws.max_row != 3 + len(rows):
        fail("%s: %d rows, want %d" % (name, ws.max_row, 3 + len(rows)))


def check_xlsx(path, tables, roster, area):
    wb = openpyxl.load_workbook(path)
    if len(wb.worksheets) != len(tables):
        fail("xlsx: sheets %r, the rollups have %d tables" % (wb.sheetnames, len(tables)))
    for ws, (kind, period, rows, total) in zip(wb.worksheets, tables):
        check_sheet(ws, kind, period, rows, total, roster, area)
    # The workbook's own XML holds the exact decimal of the figure the issue names.
    with zipfile.ZipFile(path) as z:
        crops = [i for i, (k, _, _, _) in enumerate(tables) if k["code"] == "crops"]
        if crops:
            xml = z.read("xl/worksheets/sheet%d.xml" % (crops[0] + 1)).decode("utf-8")
            if "<v>227.74</v>" not in xml:
                fail("xlsx: the crops sheet's XML does not hold <v>227.74</v>")
    return len(wb.worksheets)


def main():
    raw, xlsx, items, kinds, roster, area = load(sys.argv)
    tables = expected_tables(items, kinds, roster, area)
    if not tables:
        fail("the rollups have no table for %s" % area)
    check_csv(raw, tables, roster, area)
    sheets = check_xlsx(xlsx, tables, roster, area)
    for e in errors:
        print(e)
    if errors:
        return 1
    cells = sum(len(rows) + 1 for _, _, rows, _ in tables)
    print("ok: %d sheets, %d rows checked against the rollups" % (sheets, cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
