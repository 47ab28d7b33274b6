"""データ: load history, versions, sources and definitions for everyone; upload, publish and
roll back for an admin (only when an admin secret is configured)."""

import datetime as dt

import streamlit as st

from core.store import SAMPLE_NOTICE
from dashboard import auth, data_tables, db, uploads
from dashboard.downloads import csv_bytes
from dashboard.formats import date_label
from dashboard.frame import page_setup
from dashboard.memo import built
from dashboard.metrics import PUBLISHED_FIGURE, note
from dashboard.notes import escape_md, sample_kinds, source_text
from dashboard.queries import data as q
from dashboard.widgets import kpi, source_caption
from dashboard.widgets import table as show_table
from etl import intake
from etl.citations import reference_credit_text
from etl.report import KIND_LABELS

ctx = page_setup()
ss = st.session_state
MB = intake.MAX_FILE_BYTES // 1024 // 1024


def flash(kind: str, text: str) -> None:
    """A message shown after the rerun that follows a publish (text is already escaped)."""
    ss["_data_flash"] = (kind, text)


def show_flash() -> None:
    kind, text = ss.pop("_data_flash", (None, None))
    if kind:
        getattr(st, kind)(text)


def drop_upload() -> None:
    up = ss.pop("_upload", None)
    if up is not None:
        up.discard()
    ss.pop("_upload_key", None)


def sign_out() -> None:
    auth.sign_out()
    drop_upload()


st.title("データ")
st.caption("取り込み履歴、保存された版、データの出典と指標の定義。管理者はここでファイルを検証・公開し、以前の版に戻せます。")
show_flash()

# -- 1. Update (admin) ---------------------------------------------------------------------
# Everything for the admin (the set-up instructions, sign-in, upload, publish) in one section, collapsed
# unless an admin is signed in: readers of the page need none of it.
with st.expander("管理者向け：データの更新・アップロードの設定", expanded=auth.is_admin()):
    if not auth.uploads_enabled():
        st.info(
            "**アップロードは無効です。** このサーバーには管理者パスワードが設定されていないため、この画面は読み取り専用です"
            "（取り込み履歴・出典・定義の確認と、版の比較ができます）。\n\n"
            "有効にするには、サーバーの管理者が `.streamlit/secrets.toml` に `admin_secret = \"12文字以上のパスワード\"` "
            "を書くか、環境変数 `DXGAP_ADMIN_SECRET` を設定してアプリを再起動してください。"
            "コマンドラインからの取り込み（`python -m etl load …`）と版の復元（`python -m etl rollback --to <版ID>`）は"
            "設定がなくても使えます。"
        )
    elif not auth.is_admin():
        st.write("ファイルのアップロードと公開は管理者だけができます。管理者パスワードを入力してください。")
        with st.form("admin_login", clear_on_submit=True):
            entered = st.text_input("管理者パスワード", type="password", max_chars=auth.MAX_SECRET_CHARS,
                                    key="admin_secret_input")
            submitted = st.form_submit_button("ログイン", key="admin_login_submit")
        if submitted:
            with st.spinner("確認しています…"):
                ok = auth.check_secret(entered)
            if ok:
                st.rerun()
            st.error("パスワードが違います。アップロードはできません。続けて間違えると、次に試せるまでの待ち時間が長くなります。")
    else:
        c_in, c_out = st.columns([4, 1])
        c_in.success("管理者としてログインしています。")
        c_out.button("ログアウト", on_click=sign_out, key="admin_sign_out")
        if auth.secret_is_weak():
            st.warning(f"管理者パスワードが短すぎます。{auth.MIN_SECRET_CHARS}文字以上にしてください。")
        st.caption("① 種類を選ぶ → ② ファイルを選ぶ（検証だけ行い、まだ公開しません）→ ③ 結果を確認して「公開する」。"
                   "エラーが1件でもあるファイルは公開できません。公開は一度に全部入れ替えるため、ほかの利用者の画面は"
                   "壊れず、次の操作から新しいデータを表示します。")
        c1, c2 = st.columns(2)
        kind = c1.selectbox("ファイルの種類", intake.KINDS, format_func=lambda k: KIND_LABELS[k], key="up_kind")
        base_date = prefecture = None
        if kind == "survey":
            base_date = c2.date_input("調査基準日（空欄ならファイルの表題・シート名・ファイル名から読み取ります）", value=None,
                                      min_value=dt.date(2000, 1, 1), max_value=ctx.as_of, format="YYYY-MM-DD", key="up_base_date")
        elif kind == "indicators":
            base_date = c2.date_input("基準日（空欄なら 2023-04-01。2024年7月12日更新の表＝令和5年度調査の基準日）", value=None,
                                      min_value=dt.date(2000, 1, 1), max_value=ctx.as_of, format="YYYY-MM-DD",
                                      key="up_ind_base_date")
        elif kind == "roster":
            names = dict(zip(ctx.prefectures.prefecture_code, ctx.prefectures.name, strict=True))
            prefecture = c2.selectbox("都道府県（空欄ならファイルの内容・ファイル名から判断します）", ["", *names],
                                      format_func=lambda c: names.get(c, "指定しない"), key="up_pref") or None
        exts = "、".join(intake.EXTENSIONS[kind])
        uploaded = st.file_uploader(f"{KIND_LABELS[kind]}のファイル（{exts}、{MB} MB まで）",
                                    key=f"up_file_{ss.get('_up_nonce', 0)}")
        if uploaded is None:
            drop_upload()
        else:
            key = (kind, base_date, prefecture, uploaded.file_id, uploaded.size)
            stale = ss.get("_upload") is not None and ss["_upload"].path is not None and not ss["_upload"].saved
            if ss.get("_upload_key") != key or stale:  # stale: the saved copy expired (intake.UPLOAD_TTL)
                drop_upload()
                with st.spinner("検証しています（倉庫はまだ変更しません）…"):
                    ss["_upload"] = intake.prepare_upload(kind, uploaded.name, uploaded.getvalue(), db_path=db.db_path(),
                                                         base_date=base_date, prefecture=prefecture, today=ctx.as_of)
                uploads.keep_for_session(ss["_upload"])
                ss["_upload_key"] = key
            up: intake.Upload = ss["_upload"]
            report = up.report

            st.subheader("検証の結果（まだ公開していません）")
            if report.ok:
                st.success(f"エラーはありません。{report.rows_loaded:,} 行を取り込めます。内容を確かめて「公開する」を押してください。")
            else:
                st.error(f"エラーが {len(report.errors):,} 件あるため、このファイルは公開できません。下の一覧のとおり直してから、"
                         "もう一度アップロードしてください（一部の行だけを取り込むことはしません）。")
            k = st.columns(4)
            kpi(k[0], "読み込んだ行", f"{report.rows_read:,}")
            kpi(k[1], "取り込める行", f"{report.rows_loaded:,}")
            kpi(k[2], "エラー", f"{len(report.errors):,}")
            kpi(k[3], "警告", f"{len(report.warnings):,}")
            show_table(intake.detail_table(up), key="up_detail")
            if report.issues:
                st.markdown("**エラー・警告の一覧**（シート・行・列・値・理由）")
                show_table(intake.issues_table(report), key="up_issues")
                st.download_button("エラー・警告を CSV でダウンロード", uploads.issues_csv(report),
                                   file_name=f"検証結果_{kind}.csv", mime="text/csv", key="up_issues_csv")
            if report.ok:
                for label, frame in intake.preview_tables(report).items():
                    st.markdown(f"**取り込まれる行：{label}**（{len(frame):,} 行）")
                    if len(frame) > intake.PREVIEW_ROWS:
                        st.caption(f"先頭 {intake.PREVIEW_ROWS:,} 行を表示しています。")
                    show_table(frame.head(intake.PREVIEW_ROWS), key=f"up_preview_{label}")

            with st.expander("出典（画面・出力の「出典」に表示します）", expanded=False):
                st.caption("空欄なら、同梱の公開ファイルと同じ内容ならその出典、それ以外は種類ごとの既定を使います。"
                           "ファイル名は出典として表示しません。")
                s1, s2 = st.columns(2)
                given = {"publisher": s1.text_input("発行者（例：総務省）", max_chars=80, key="up_src_publisher"),
                         "title": s2.text_input("資料名", max_chars=120, key="up_src_title"),
                         "updated": s1.date_input("公表・更新日", value=None, format="YYYY-MM-DD", key="up_src_updated"),
                         "note": s2.text_input("注記（元の調査など）", max_chars=120, key="up_src_note")}
            source = intake.upload_citation(up, given)
            if source is not None:
                st.caption(f"出典として表示：{escape_md(source.text())}")
            label = st.text_input("実行者（取り込み履歴に残る名前）", value=intake.DEFAULT_LABEL, max_chars=40, key="up_label")
            if st.button("公開する", type="primary", disabled=not up.publishable, key="up_publish"):
                name = escape_md(up.file_name)
                try:
                    with st.spinner("公開しています…"):
                        result = intake.publish_upload(db.db_path(), up, label, source)
                except intake.PublishError as exc:
                    st.error(f"公開できませんでした：{exc}")
                else:
                    if result.status == "loaded":
                        flash("success", f"「{name}」を公開しました（取り込み番号 {result.source_id}）。"
                                         "ほかの利用者にも次の操作から新しいデータが表示されます。")
                    elif result.status == "unchanged":
                        flash("info", f"「{name}」と同じ内容のファイルは取り込み済みです（取り込み番号 {result.source_id}）。"
                                      "何も変更していません。")
                    elif result.reason:
                        flash("error", f"「{name}」は公開しませんでした：{escape_md(result.reason)}。倉庫は変更していません。")
                    else:
                        flash("error", f"「{name}」にはエラーがあるため公開しませんでした。倉庫は変更していません。")
                    drop_upload()
                    ss["_up_nonce"] = ss.get("_up_nonce", 0) + 1  # a fresh, empty uploader
                    st.rerun()

# -- 2. History ------------------------------------------------------------------------------
st.header("取り込み履歴")
st.caption("取り込み・公開・版の復元のすべて。取り消された取り込みも消さずに残しています。"
           "sha256 は元ファイルの指紋で、元ファイルはこの値の名前で保管しています。")
hist = q.load_history(ctx.v)
hist_table = built(data_tables.history_table, hist, key=(ctx.v, "history"))
show_table(hist_table, key="history")
st.download_button("取り込み履歴を CSV でダウンロード", lambda: csv_bytes(hist_table), file_name="load_history.csv",
                   mime="text/csv", key="history_csv", on_click="ignore")
with_issues = built(data_tables.loads_with_issues, hist, key=(ctx.v, "issues"))
if not with_issues.empty:
    labels = {int(r.source_id): f"#{r.source_id} {r.file_name}（警告 {r.warnings}）" for r in with_issues.itertuples()}
    pick = st.selectbox("警告の詳細を見る取り込み", [None, *labels], format_func=lambda s: labels.get(s, "選んでください"),
                        key="history_issues")
    if pick is not None:
        show_table(data_tables.load_issues_table(q.load_issues(ctx.v, pick)), key="history_issue_table")

# -- 3. Compare two versions of one base date ------------------------------------------------
st.header("版の比較（同じ調査基準日）")
date = st.selectbox("調査基準日", list(reversed(ctx.dates)), format_func=date_label, key="cmp_date")
loads = q.survey_loads(ctx.v, date)
if len(loads) < 2:
    st.info("この基準日のデータは1つのファイルからしか取り込まれていないため、比べる版がありません。"
            "同じ基準日の修正版を取り込むと、どの市区町村がどう変わったかをここで確認できます。")
else:
    ids = [int(s) for s in loads.source_id]
    names = {int(r.source_id): f"#{r.source_id} {r.file_name}（{r.loaded_at:%Y-%m-%d %H:%M}、{r.rows:,} 団体）"
             for r in loads.itertuples()}
    c1, c2 = st.columns(2)
    old = c1.selectbox("前の版（この取り込みまで）", ids, index=len(ids) - 2, format_func=names.get, key="cmp_old")
    new = c2.selectbox("後の版（この取り込みまで）", ids, index=len(ids) - 1, format_func=names.get, key="cmp_new")
    diff = built(data_tables.compare_table, q.compare_survey(ctx.v, date, old, new), ctx.view.n,
                 key=(ctx.v, date, old, new, ctx.view.n))
    if diff.empty:
        st.success("2つの版で DX担当職員数が変わった市区町村はありません。")
    else:
        counts = diff["変化"].value_counts()
        st.markdown(f"**変わった市区町村：{len(diff):,} 団体**（"
                    + "、".join(f"{escape_md(k)} {v}" for k, v in counts.items()) + "）")
        show_table(diff, key="compare")
        diff_src = source_text(ctx.v, ("survey",), date)
        diff_notes = {"調査基準日": date_label(date), "前の版": names[old], "後の版": names[new], "出典": diff_src}
        st.download_button("比較結果を CSV でダウンロード", lambda: csv_bytes(diff, diff_notes, diff_src.is_sample),
                           file_name=f"compare_{date}_{old}_{new}.csv", mime="text/csv", key="compare_csv",
                           on_click="ignore")
    source_caption(source_text(ctx.v, ("survey",), date,
                               note("versions", n=ctx.view.n)))

# -- 4. Kept versions and rollback ----------------------------------------------------------
st.header("以前の版に戻す")
st.caption("公開するたびに、その時点の倉庫全体を版として保存しています。戻すと、選んだ版の写しが新しい現在の版になり、"
           "戻す前の状態も版として残ります（何も削除しません）。")
vers = uploads.versions(ctx.v)
if vers.empty:
    st.info("保存された版はまだありません。次に公開したときから保存します。")
else:
    show_table(built(data_tables.versions_table, vers, key=(ctx.v, "versions")), key="versions")
if not auth.is_admin():
    st.caption("版を戻せるのは管理者だけです（上の「管理者向け」を参照）。")
else:
    targets = data_tables.rollback_targets(vers)
    c1, c2 = st.columns([3, 2])
    target = c1.selectbox("戻し先の版", [None, *targets], format_func=lambda t: t or "選んでください", key="rb_target")
    rb_label = c2.text_input("実行者（履歴に残る名前）", value=intake.DEFAULT_LABEL, max_chars=40, key="rb_label")
    confirm = st.checkbox("選んだ版の状態を、新しい現在の版として公開します", key="rb_confirm")
    if st.button("この版に戻す", disabled=not (target and confirm), key="rb_go"):
        try:
            with st.spinner("戻しています…"):
                res = intake.rollback_to(db.db_path(), target, rb_label)
        except (intake.VersionError, intake.PublishError) as exc:
            st.error(f"戻せませんでした：{exc}")
        else:
            if res.status == "restored":
                flash("success", f"版 {escape_md(target)} に戻しました（取り込み番号 {res.source_id}、"
                                 f"新しい版 {escape_md(res.new_version_id or '')}）。")
            else:
                flash("info", f"版 {escape_md(target)} は既に現在の状態です。何も変更していません。")
            ss.pop("rb_confirm", None)
            st.rerun()

# -- 5. Sources and definitions --------------------------------------------------------------
st.header("データの出典と指標の定義")
st.subheader("データの出典")
st.caption("いま画面に出ている数値のもとになった取り込みごとの出典です（同じ種類の古い取り込みで置き換えられたものは含みません）。"
           "各図の下の「出典」も、ここと同じ登録内容から作っています。")
src = q.sources(ctx.v)
show_table(built(data_tables.sources_table, src, key=(ctx.v, "sources")), key="sources")
st.caption(reference_credit_text())
synthetic, real = sample_kinds(ctx.v)
if synthetic:
    st.warning(f"{SAMPLE_NOTICE}：{'・'.join(synthetic)}は、公表値（{PUBLISHED_FIGURE}など）に"
               "合わせて作った架空のデータです。実在の自治体の状況ではありません。"
               + (f"{'・'.join(real)}は実データです（出典は上の表）。" if real else ""), icon="⚠️")

st.subheader("指標の定義")
# st.table wraps long text; these are constants (st.table renders Markdown, so never user text here)
st.table(built(data_tables.definitions_table, key=("definitions",)))
st.table(built(data_tables.metrics_table, ctx.has_population, ctx.has_indicators,
               key=(ctx.has_population, ctx.has_indicators)))
source_caption(source_text(ctx.v, (*intake.KINDS, "prefecture_boundaries"), None, note("sources")))
