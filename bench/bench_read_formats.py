"""What reading number formats costs: ``read_table`` on an ``.xls`` and an ``.ods`` firm list, with and without a (%) column.

calamine reads the values; the percent formats of ``.xls`` come from xlrd and those of ``.ods`` from its content.xml,
and only for sheets with a column whose header names a share.  The files are written here (xlwt, odfpy: the test
extra).  Prints the best of three CPU times of ``read_table`` per file.

Usage::

    python bench/bench_read_formats.py              # 20,000 rows
    python bench/bench_read_formats.py --rows 60000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from graph.uscc import with_check_digit
from ingest.read import read_table


def _xls(path: Path, rows: int, share: bool) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("企业")
    percent = xlwt.easyxf(num_format_str="0%")
    header = ["企业名称", "统一社会信用代码", "营业收入(万元)", "研发投入(万元)",
              "高新技术产品收入占比(%)" if share else "职工总数"]
    for column, value in enumerate(header):
        sheet.write(0, column, value)
    for row in range(1, rows + 1):
        sheet.write(row, 0, f"宜兴市测试{row}科技有限公司")
        sheet.write(row, 1, with_check_digit(f"91320282MA1B{row:05d}"))
        sheet.write(row, 2, row * 1.5)
        sheet.write(row, 3, row % 97)
        if share:
            sheet.write(row, 4, (row % 100) / 100, percent)
        else:
            sheet.write(row, 4, row % 300)
    book.save(str(path))


def _ods(path: Path, rows: int, share: bool) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="企业")

    def cell(value: object, kind: str = "string") -> TableCell:
        made = TableCell(valuetype="string") if kind == "string" else TableCell(valuetype=kind, value=value)
        made.addElement(P(text=str(value)))
        return made

    header = TableRow()
    for text in ["企业名称", "营业收入(万元)", "高新技术产品收入占比(%)" if share else "职工总数"]:
        header.addElement(cell(text))
    table.addElement(header)
    for row in range(1, rows + 1):
        line = TableRow()
        line.addElement(cell(f"宜兴市测试{row}科技有限公司"))
        line.addElement(cell(row * 1.5, "float"))
        line.addElement(cell((row % 100) / 100, "percentage") if share else cell(row % 300, "float"))
        table.addElement(line)
    document.spreadsheet.addElement(table)
    document.save(str(path))


def _best_cpu(path: Path) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        read_table(path)
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for suffix, write in ((".xls", _xls), (".ods", _ods)):
            for share in (False, True):
                path = Path(folder) / f"list-{share}{suffix}"
                write(path, args.rows, share)
                print(f"{suffix:5} {args.rows:,} rows, (%) column {'yes' if share else 'no ':3}: "
                      f"read_table {_best_cpu(path):.2f} s CPU", flush=True)


if __name__ == "__main__":
    main()
