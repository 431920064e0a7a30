"""POST /ingest: upload, report, 400 for a broken file, 413 over the limit, cache refreshed, admin only."""

from __future__ import annotations

import io

import openpyxl

CSV = (
    "企业名称,统一社会信用代码,所属镇(街道、园区)\n"
    "宜兴华通环保科技有限公司,,高塍镇\n"
    "宜兴华通环保科技有限责任公司,,高塍镇\n"
    ",,丁蜀镇\n"
    "坏公司,123,丁蜀镇\n"
).encode()


def test_upload_reports_every_row_and_refreshes_search(client, api_store):
    admin = client("admin")
    assert admin.get("/entities", params={"q": "华通环保"}).json()["total"] == 0  # search index now cached
    response = admin.post("/ingest", files={"file": ("orgs.csv", CSV, "text/csv")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["files"] == [{"path": "orgs.csv", "rows_read": 4, "written": 1, "merged": 1, "rejected": 2,
                              "held_for_review": 0}]
    assert body["totals"]["rows_read"] == 4
    assert sorted(r["row"] for r in body["rejections"]) == [4, 5]
    assert "needs 18" in next(r["reason"] for r in body["rejections"] if r["row"] == 5)
    assert body["merges"][0]["merged_into"] and body["merges"][0]["file"] == "orgs.csv"
    assert "/tmp" not in response.text
    assert admin.get("/entities", params={"q": "华通环保"}).json()["total"] == 1
    again = admin.post("/ingest", files={"file": ("orgs.csv", CSV, "text/csv")}).json()
    assert again["totals"]["written"] + again["totals"]["merged"] == 2  # re-ingest changes nothing
    assert api_store.counts()["nodes"]["Enterprise"] == 4


def test_xlsx_upload_with_mapping(client, api_store):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["单位全称", "所属镇(街道、园区)"])
    sheet.append(["宜兴新材料研究院有限公司", "宜城街道"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client("admin").post(
        "/ingest",
        files={"file": ("机构.xlsx", buffer.getvalue(), "application/octet-stream")},
        data={"mapping": '{"单位全称": "name"}', "kind": "企业"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["totals"]["written"] == 1
    assert "宜兴新材料研究院有限公司" in set(api_store.nodes(kind="Enterprise")["name"])


def test_broken_uploads_are_400_naming_the_upload(client):
    admin = client("admin")
    broken = admin.post("/ingest", files={"file": ("orgs.xlsx", b"garbage", "application/octet-stream")})
    assert broken.status_code == 400 and broken.headers["content-type"] == "application/problem+json"
    assert "'orgs.xlsx'" in broken.json()["detail"] and "/tmp" not in broken.json()["detail"]
    wrong_type = admin.post("/ingest", files={"file": ("evil.exe", b"MZ", "application/octet-stream")})
    assert wrong_type.status_code == 400 and ".csv" in wrong_type.json()["detail"]
    assert admin.post("/ingest", files={"file": ("../../etc/x.csv", CSV, "text/csv")}).status_code == 200


def test_bad_parameters_are_422_and_missing_file_is_422(client):
    admin = client("admin")
    assert admin.post("/ingest", files={"file": ("o.csv", CSV, "text/csv")}, data={"kind": "Bogus"}).status_code == 422
    assert admin.post("/ingest", files={"file": ("o.csv", CSV, "text/csv")}, data={"mapping": "{bad"}).status_code == 422
    assert admin.post("/ingest", files={"file": ("o.csv", CSV, "text/csv")}, data={"mapping": "[1]"}).status_code == 422
    assert admin.post("/ingest").status_code == 422


def test_upload_over_the_limit_is_413(client):
    big = CSV + b"x" * (1024 * 1024)
    response = client("admin").post("/ingest", files={"file": ("big.csv", big, "text/csv")})
    assert response.status_code == 413


def test_only_admins_ingest(client):
    assert client("matchmaker").post("/ingest", files={"file": ("o.csv", CSV, "text/csv")}).status_code == 403
