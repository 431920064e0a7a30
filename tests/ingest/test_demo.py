"""The demo ecosystem: files, headers, encodings, dirt, determinism, latent structure, ingest."""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from graph.errors import SchemaError
from graph.sqlite_store import SQLiteStore
from graph.uscc import is_valid
from ingest.demo import FILE_NAMES, INDUSTRIES, INSTITUTES, SCALES, TOWNS, generate, load_demo

SEED = 7

ORG_SHEETS = ["企业", "高校院所", "基金", "服务机构", "平台", "部门"]
HEADERS = {
    "talents": ["姓名", "工作单位", "专业领域", "研究方向", "人才计划", "入选年份", "选派企业", "选派类型", "选派年份"],
    "participations": ["项目编号", "项目名称", "计划类别", "承担单位", "角色", "立项年份"],
    "events": ["活动编号", "活动名称", "活动日期", "参会单位", "对接单位", "对接结果"],
    "tiers": ["企业名称", "认定类型", "认定年份", "证书编号", "级别", "有效期至"],
}


def _read(path: Path) -> dict[str, pd.DataFrame]:
    if path.suffix == ".csv":
        return {"csv": pd.read_csv(path, encoding="gb18030", dtype=object)}
    return pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")


def _nfkc_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name)
    return "".join(text.split()).replace("有限责任公司", "有限公司")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate(tmp_path_factory.mktemp("demo"), scale="test", seed=SEED)


@pytest.fixture(scope="module")
def frames(files: dict[str, Path]) -> dict[str, dict[str, pd.DataFrame]]:
    return {key: _read(path) for key, path in files.items()}


def test_files_exist_in_ingest_order(files: dict[str, Path]) -> None:
    assert list(files) == list(FILE_NAMES)
    for key, path in files.items():
        assert path.name == FILE_NAMES[key]
        assert path.stat().st_size > 1000


def test_organisations_workbook_has_every_sheet_and_kind(frames: dict[str, dict[str, pd.DataFrame]]) -> None:
    sheets = frames["organisations"]
    assert list(sheets) == ORG_SHEETS
    kinds = {sheet: set(frame["类型"].dropna()) for sheet, frame in sheets.items()}
    assert kinds["企业"] == {"企业"}
    assert kinds["高校院所"] == {"高校", "科研院所"}
    assert kinds["基金"] == {"基金"} and kinds["服务机构"] == {"服务机构"}
    assert kinds["平台"] == {"平台"} and kinds["部门"] == {"部门"}
    for header in ("企业名称", "统一社会信用代码", "所属镇（街道、园区）", "所属行业", "成立日期", "营业收入(万元)",
                   "研发投入(万元)", "职工总数", "科技人员数", "有效专利数", "发明专利数", "技术领域"):
        assert header in sheets["企业"].columns


@pytest.mark.parametrize("key", sorted(HEADERS))
def test_promised_headers(frames: dict[str, dict[str, pd.DataFrame]], key: str) -> None:
    for frame in frames[key].values():
        assert set(HEADERS[key]) <= set(frame.columns)


def test_tech_sme_list_is_gb18030(files: dict[str, Path]) -> None:
    raw = files["tech_sme"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert text.startswith("序号,企业名称,认定类型,入库年份,入库编号")


def test_relationship_sheets_carry_their_properties(frames: dict[str, dict[str, pd.DataFrame]]) -> None:
    sheets = frames["relationships"]
    types = {sheet: set(frame["关系类型"]) for sheet, frame in sheets.items()}
    assert types == {"基金投资": {"INVESTS_IN"}, "机构服务": {"SERVES"}, "结对挂钩": {"LIAISES_WITH"},
                     "研发平台": {"HAS_PLATFORM", "CO_BUILDS"}}
    assert "金额(万元)" in sheets["基金投资"] and "服务类型" in sheets["机构服务"]
    assert set(sheets["结对挂钩"]["挂钩方式"]) <= {"市领导挂钩", "部门结对", "百企引航", "百企竞航"}
    assert set(sheets["机构服务"]["服务类型"]) <= {"知识产权", "科技咨询", "技术转移", "检验检测", "财税管理"}
    assert pd.to_numeric(sheets["基金投资"]["金额(万元)"]).gt(0).all()


def test_real_context(frames: dict[str, dict[str, pd.DataFrame]]) -> None:
    firms = frames["organisations"]["企业"]
    towns = set(firms["所属镇（街道、园区）"].dropna())
    assert towns <= {t for t, _ in TOWNS}
    assert {"官林镇", "丁蜀镇", "高塍镇"} <= towns
    assert set(firms["所属行业"].dropna()) <= set(INDUSTRIES)
    # industries concentrate where Yixing has them: cables at 官林, pottery at 丁蜀
    clean = firms.dropna(subset=["所属镇（街道、园区）", "所属行业"])
    share = pd.crosstab(clean["所属行业"], clean["所属镇（街道、园区）"], normalize="index")
    assert share.loc["电线电缆", "官林镇"] > 0.15 > share.loc["数字经济", "官林镇"]
    assert share.loc["陶瓷", "丁蜀镇"] > 0.15
    programs = frames["participations"]["项目承担"]["计划类别"]
    assert {"陶都之光", "省重点研发", "国家重点研发"} <= set(programs)
    talents = frames["talents"]["人才名单"]
    listed = set(talents["人才计划"].dropna().str.split("、").explode())
    assert listed == {"省双创计划", "太湖人才计划", "陶都英才计划", "科技副总", "科技镇长团"}
    assert set(frames["events"]["对接活动"]["对接结果"].dropna()) == {"signed", "follow-up", "none"}
    names = set(frames["organisations"]["高校院所"]["单位名称"])
    assert {"江南大学", "南京大学", "东南大学"} <= names


def test_uscc_codes(frames: dict[str, dict[str, pd.DataFrame]]) -> None:
    firms = frames["organisations"]["企业"]
    codes = firms["统一社会信用代码"].dropna()
    valid = codes[codes.map(is_valid)]
    invalid = codes[~codes.map(is_valid)]
    assert len(valid) > 0.9 * SCALES["test"].enterprises
    assert valid.str.replace(" ", "").str.upper().str[2:8].eq("320282").all()
    assert 1 <= len(invalid) <= 0.05 * len(codes)
    assert firms["统一社会信用代码"].isna().sum() > 0
    universities = frames["organisations"]["高校院所"]["统一社会信用代码"]
    assert universities.map(is_valid).all() and universities.str.startswith("12").all()


def test_dirt_duplicates_and_missing_fields(frames: dict[str, dict[str, pd.DataFrame]]) -> None:
    firms = frames["organisations"]["企业"]
    names = firms["企业名称"]
    keys = names.map(_nfkc_key)
    assert keys.duplicated().sum() >= 3                       # same firm under name variants
    assert names.str.contains(r"\s").sum() >= 1 or names.map(lambda n: n != unicodedata.normalize("NFKC", n)).any()
    for column in ("所属镇（街道、园区）", "成立日期", "营业收入(万元)", "研发投入(万元)"):
        assert firms[column].isna().any()
    founded = firms["成立日期"].dropna().astype(str)
    assert founded.str.contains("年").any() and founded.str.contains("/").any()


def test_tier_ladder_proportions(frames: dict[str, dict[str, pd.DataFrame]]) -> None:
    n = SCALES["test"].enterprises
    sme = frames["tech_sme"]["csv"]
    per_year = sme.groupby("入库年份").size()
    assert per_year.is_monotonic_increasing and per_year.index.min() == "2016"
    tiers = frames["tiers"]["梯次认定"]
    firms_by_tier = tiers.groupby("认定类型")["企业名称"].nunique()
    assert firms_by_tier["高新技术企业"] > firms_by_tier["专精特新"] > firms_by_tier["准独角兽"]
    assert 0.05 * n <= firms_by_tier["专精特新"] <= 0.15 * n
    hte = tiers[tiers["认定类型"] == "高新技术企业"]
    assert (hte["有效期至"].astype(int) - hte["认定年份"].astype(int)).eq(3).all()
    # recertification every three years, with lapses
    years = hte.groupby("企业名称")["认定年份"].apply(lambda s: sorted(int(y) for y in s))
    gaps = [b - a for ys in years for a, b in itertools.pairwise(ys)]
    assert gaps and sum(g == 3 for g in gaps) > 0.5 * len(gaps)
    levels = set(tiers.loc[tiers["认定类型"] == "专精特新", "级别"])
    assert levels == {"省级", "国家级小巨人"}


def test_enterprise_facts_consistent_with_tiers(frames: dict[str, dict[str, pd.DataFrame]]) -> None:
    firms = frames["organisations"]["企业"].drop_duplicates("企业名称")
    tiers = frames["tiers"]["梯次认定"]
    hte_names = set(tiers.loc[tiers["认定类型"] == "高新技术企业", "企业名称"])
    numeric = firms.assign(
        revenue=pd.to_numeric(firms["营业收入(万元)"], errors="coerce"),
        rd=pd.to_numeric(firms["研发投入(万元)"], errors="coerce"),
        staff=pd.to_numeric(firms["科技人员数"], errors="coerce"),
        employees=pd.to_numeric(firms["职工总数"], errors="coerce"),
    ).dropna(subset=["revenue", "rd", "staff", "employees"])
    hte = numeric["企业名称"].isin(hte_names)
    assert numeric.loc[hte, "revenue"].median() > 2 * numeric.loc[~hte, "revenue"].median()
    share = numeric["rd"] / numeric["revenue"]
    assert (share[hte] >= 0.03).mean() > 0.9
    assert (numeric.loc[hte, "staff"] / numeric.loc[hte, "employees"] >= 0.1).mean() > 0.85


def test_collaborations_follow_topic_fit_and_proximity(frames: dict[str, dict[str, pd.DataFrame]]) -> None:
    firms = frames["organisations"]["企业"].drop_duplicates("企业名称").set_index("企业名称")["所属行业"]
    strengths = {name: set(s) for name, _c, _city, _p, _l, s, _d in INSTITUTES}
    province = {name: p for name, _c, _city, p, _l, _s, _d in INSTITUTES}
    part = frames["participations"]["项目承担"]
    is_inst = part["承担单位"].isin(strengths)
    pairs = part[~is_inst].merge(part[is_inst], on="项目编号")[["承担单位_x", "承担单位_y"]].drop_duplicates()
    pairs = pairs[pairs["承担单位_x"].isin(firms.index)]
    assert len(pairs) >= 50
    match = [firms[f] in strengths[u] for f, u in pairs.itertuples(index=False)]
    rng = np.random.default_rng(0)
    insts = sorted(set(frames["organisations"]["高校院所"]["单位名称"]))
    random_firms = rng.choice(firms.dropna().index, 2000)
    random_insts = rng.choice(insts, 2000)
    baseline = np.mean([firms[f] in strengths[u] for f, u in zip(random_firms, random_insts, strict=True)])
    assert np.mean(match) > baseline + 0.2
    local = np.mean([province[u] == "江苏" for u in pairs["承担单位_y"]])
    assert local > np.mean([province[u] == "江苏" for u in insts])


def test_unknown_scale_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="unknown demo scale 'huge'"):
        generate(tmp_path, scale="huge")


def test_deterministic_for_a_seed(tmp_path: Path, frames: dict[str, dict[str, pd.DataFrame]]) -> None:
    again = {key: _read(path) for key, path in generate(tmp_path / "a", scale="test", seed=SEED).items()}
    for key, sheets in frames.items():
        for sheet, frame in sheets.items():
            pd.testing.assert_frame_equal(frame, again[key][sheet])
    other = generate(tmp_path / "b", scale="test", seed=SEED + 1)
    assert not _read(other["organisations"])["企业"].equals(frames["organisations"]["企业"])


def test_city_scale_parameters() -> None:
    city = SCALES["city"]
    assert 2500 <= city.enterprises <= 3500
    assert 80 <= city.institutes <= 150 and city.institutes <= len(INSTITUTES)
    assert city.talents >= 5000 and city.funds >= 20 and city.agencies >= 60
    assert SCALES["province"].enterprises >= 150_000


def test_load_demo_accounts_for_every_row_and_is_idempotent(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "demo.db")
    report = load_demo(store, tmp_path / "files", scale="test", seed=SEED)
    files = report.to_dict()["files"]
    assert len(files) == len(FILE_NAMES)
    for entry in files:
        assert entry["rows_read"] == entry["written"] + entry["merged"] + entry["rejected"] + entry["held_for_review"]
        assert entry["rows_read"] > 0
    totals = report.totals()
    assert totals["rejected"] <= 0.01 * totals["rows_read"]   # only the mistyped codes
    counts = store.counts()
    scale = SCALES["test"]
    assert counts["nodes"]["Enterprise"] == scale.enterprises
    assert counts["nodes"]["University"] == scale.institutes
    assert counts["nodes"]["Talent"] == scale.talents
    assert counts["nodes"]["Fund"] == scale.funds and counts["nodes"]["ServiceAgency"] == scale.agencies
    for rel in ("COLLABORATES_WITH", "PARTICIPATES_IN", "SECONDED_TO", "INVESTS_IN", "SERVES", "LIAISES_WITH",
                "HAS_PLATFORM", "CO_BUILDS", "MET", "ATTENDED", "REACHED_TIER", "IN_PROGRAM"):
        assert counts["relationships"].get(rel, 0) > 0, rel
    before = store.relationships().sort_values(["source", "type", "target", "key"]).reset_index(drop=True)
    load_demo(store, tmp_path / "files", scale="test", seed=SEED)
    assert store.counts() == counts
    after = store.relationships().sort_values(["source", "type", "target", "key"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)


def test_cli_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import cli

    monkeypatch.setenv("INNONET_DB", str(tmp_path / "cli.db"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--scale", "test", "--seed", "3", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert "ingest report: out/ingest_report.xlsx" in result.output
    assert (tmp_path / "out" / "ingest_report.xlsx").exists()
    lines = [line.split() for line in result.output.splitlines()]
    assert ["Enterprise", str(SCALES["test"].enterprises)] in lines


@pytest.mark.slow
def test_city_scale(tmp_path: Path) -> None:
    files = generate(tmp_path, scale="city")
    firms = pd.read_excel(files["organisations"], sheet_name="企业", engine="openpyxl")
    assert 3000 <= len(firms) <= 3200
    part = pd.read_excel(files["participations"], engine="openpyxl")
    insts = set(pd.read_excel(files["organisations"], sheet_name="高校院所", engine="openpyxl")["单位名称"])
    assert 80 <= len(insts) <= 150
    is_inst = part["承担单位"].isin(insts)
    pairs = part[~is_inst].merge(part[is_inst], on="项目编号")
    first = pairs.groupby(["承担单位_x", "承担单位_y"])["立项年份_x"].min().reset_index()
    gaining = first.loc[first["立项年份_x"] > 2022, "承担单位_x"].nunique()
    assert 200 <= gaining <= 1000       # the pairing evaluation (cutoff 2022) has a few hundred test firms
    sme = pd.read_csv(files["tech_sme"], encoding="gb18030")
    per_year = sme.groupby("入库年份").size()
    assert 1500 <= per_year[2022] <= 2500 and per_year[2022] > 1.4 * per_year[2021]
    assert len(pd.read_excel(files["talents"], engine="openpyxl")) >= 5000
