"""Exports of lists (CSV, XLSX) with personal numbers masked, and no cell a spreadsheet would run."""

import csv
import io
import itertools

from django.http import HttpResponse, StreamingHttpResponse

from .validators import mask_personal_numbers


class _Echo:
    def write(self, value):
        return value


def export_cell(value) -> str:
    """Masked numbers; text that a spreadsheet would run as a formula is quoted with a leading '."""
    text = mask_personal_numbers("" if value is None else str(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    lines = itertools.chain([writer.writerow(header)], (writer.writerow([export_cell(c) for c in row]) for row in rows))
    response = StreamingHttpResponse(itertools.chain(["\ufeff"], lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, header: list[str], rows, *, title: str = "导出") -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([export_cell(c) for c in row])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
