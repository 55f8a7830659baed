"""The console in a real browser (issue 10, item 5): Debian's Chromium driven by Playwright,
against the API and a worker started as processes.

One flow, as a départemental administrator would go: sign in with a code, upload a workbook
written by LibreOffice with mistakes (keyboard only), watch the département's bar reach its
end, read an anomaly, download the report, upload the fixed file, confirm, see the counts;
create a dispositif in the form with one mistake, fix it, save, edit it; then an administrator of
another département gets the 404 page, and the national team its pages. A second flow: an
operator of 93 decides one groupe de places in place on the Temps 2 page and sees the figures
move; the national team reads the capacity report. Every page is checked
with axe-core (no violation of impact serious or critical) and photographed at 1280 and 375 px
(tests/e2e/screenshots/, git-ignored). Every request the browser makes goes to our server.

With CI=true a missing Chromium, DSFR or axe-core file fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.imports.template import build_template
from tests.support.capacites import statements
from tests.support.libreoffice import saved_by_calc
from tests.support.processes import cli
from tests.support.samples import DISPOSITIFS_ROWS, ENTITES_ROWS, fill

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DSFR = ROOT / "api" / "console" / "static" / "dsfr" / "dsfr.min.css"
SHOTS = ROOT / "tests" / "e2e" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (1280, 375)
ADMIN_75 = "admin.75@exemple.gouv.fr"
ADMIN_69 = "admin.69@exemple.gouv.fr"
NATIONAL = "equipe.nationale@exemple.gouv.fr"


def _needs() -> None:
    missing = [str(p) for p in (CHROMIUM, AXE, DSFR) if not p.exists()]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (PyPI)")
    if missing:
        message = "absent(s) : " + ", ".join(missing) + " — lancez « make setup » et "
        message += "scripts/install-chromium.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


class Pages:
    """A browser context of one person, with the checks every page gets."""

    def __init__(self, browser: Any, base: str, requests: list[str]) -> None:
        self.base = base
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            locale="fr-FR",
            accept_downloads=True,
            bypass_csp=True,  # axe-core is injected as an inline script
        )
        self.context.on("request", lambda r: requests.append(r.url))
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def check(self, name: str) -> None:
        """axe-core on the page as it is, then a screenshot at each width."""
        page = self.page
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [
            f"{v['id']} ({v['impact']}) : {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"{name} : " + " | ".join(serious)
        assert page.locator("html").get_attribute("lang") == "fr"
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            # Wide tables scroll inside their frame: the page itself never scrolls sideways.
            overflow = page.evaluate("() => document.documentElement.scrollWidth")
            assert overflow <= width, f"{name} : {overflow} px de large à {width} px"
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})

    def sign_in(self, code: str) -> None:
        self.goto("/console/")
        assert "/console/connexion" in self.page.url
        self.page.fill("#code", code)
        self.page.click("button:has-text('Se connecter')")
        self.page.wait_for_selector("h1:has-text('Tableau de bord')")


@pytest.fixture
def stack(process_stack: Any) -> Any:
    _needs()
    SHOTS.mkdir(parents=True, exist_ok=True)
    process_stack.user(ADMIN_75, "ADMIN_DEPARTEMENTAL", "75")
    process_stack.user(ADMIN_69, "ADMIN_DEPARTEMENTAL", "69")
    process_stack.user(NATIONAL, "ADMIN_NATIONAL")
    return process_stack


def _code(stack: Any, courriel: str) -> str:
    issued = subprocess.run(
        cli("utilisateurs", "code", "--courriel", courriel),
        env=stack.env,
        check=True,
        capture_output=True,
        text=True,
    )
    return issued.stdout.strip().splitlines()[-1]


@pytest.fixture
def chromium(stack: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _workbooks(tmp_path: Path) -> tuple[Path, Path]:
    """The template filled with three dispositifs, two of them wrong, saved by LibreOffice;
    and the same file fixed."""
    template = build_template()
    wrong = tmp_path / "offre-75-avec-erreurs.xlsx"
    wrong.write_bytes(saved_by_calc(fill(template, ENTITES_ROWS, DISPOSITIFS_ROWS), "xlsx"))
    fixed_rows = [dict(r) for r in DISPOSITIFS_ROWS]
    fixed_rows[1].pop("capacite_financee")
    fixed_rows[1]["nom"] = "Accueil de jour"
    fixed_rows[2]["siret"] = "73282932000074"
    fixed = tmp_path / "offre-75-corrigee.xlsx"
    fixed.write_bytes(saved_by_calc(fill(template, ENTITES_ROWS, fixed_rows), "xlsx"))
    return wrong, fixed


def _keyboard_upload(me: Pages, workbook: Path) -> list[str]:
    """Tab from the top of the page to the file field, open it with the keyboard, then Tab to
    the button and press Entrée. Returns what received the focus, in order."""
    page = me.page
    focused: list[str] = []
    page.wait_for_load_state("load")  # the drop zone's script is set up: focus stays put
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(40):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate(
                "() => document.activeElement.id || document.activeElement.textContent.trim()"
            )
        )
        if focused[-1] == "fichier":
            break
    assert focused[-1] == "fichier", focused
    page.wait_for_function("() => document.activeElement.id === 'fichier'")
    with page.expect_file_chooser(timeout=60_000) as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(workbook))
    for _ in range(15):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("() => document.activeElement.id"))
        if focused[-1] == "bouton-depot":
            break
    assert focused[-1] == "bouton-depot", focused
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/console/jobs/\d+$"))
    return focused


def _bar_done(me: Pages, departement: str, statut: str) -> None:
    """The bar at its end, on the page the server rendered for that state (the script reloads
    the page once the job waits for a person: reading it before would race the reload)."""
    me.page.wait_for_function(
        "([dep, statut]) => { const p = document.getElementById('barre-' + dep);"
        " const s = document.getElementById('progression');"
        " return p && p.dataset.statut === statut && p.value === 1"
        " && s && s.dataset.statut === statut; }",
        arg=[departement, statut],
        timeout=90_000,
    )
    # The live page reloads itself once the job waits for a person or ends: wait for the page
    # rendered in that state (its anomalies, preview and actions), not the one being left.
    me.page.wait_for_function(
        "statut => document.querySelector('[data-flux]')?.dataset.statut === statut",
        arg=statut,
        timeout=90_000,
    )
    me.page.wait_for_load_state()


def test_console_flow_in_chromium(stack: Any, chromium: Any, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{stack.api_port}"
    requests: list[str] = []
    wrong, fixed = _workbooks(tmp_path)
    me = Pages(chromium, base, requests)
    page = me.page

    # Sign in with a single-use code.
    me.goto("/console/")
    me.check("connexion")
    me.sign_in(_code(stack, ADMIN_75))
    me.check("tableau-de-bord")

    # Upload the faulty workbook with the keyboard only.
    me.goto("/console/deposer")
    me.check("deposer")
    focused = _keyboard_upload(me, wrong)
    assert focused[0] == "Contenu", focused  # the skip link comes first
    assert "application-manuelle" in focused and "par-departement" in focused

    # The département's bar reaches its end; what to fix is listed.
    _bar_done(me, "75", "invalide")
    assert any("/evenements" in url for url in requests), "pas de flux en direct"
    anomalies = page.locator("#table-anomalies tbody")
    assert "CAPACITE_INTERDITE" in anomalies.inner_text()
    page.select_option("#filtre-severite", "erreur")
    page.click("#anomalies form button")
    page.wait_for_url(re.compile(r".*severite=erreur.*"))
    rows = page.locator("#table-anomalies tbody tr")
    assert rows.count() >= 2 and "Avertissement" not in anomalies.inner_text()
    me.check("job-invalide")
    with page.expect_download() as download:
        page.click("a:has-text('Rapport')")
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"
    assert download.value.suggested_filename.startswith("rapport-job-")

    # The fixed file, uploaded with the mouse this time; confirmed; applied.
    me.goto("/console/deposer")
    page.set_input_files("#fichier", str(fixed))
    page.click("#bouton-depot")
    page.wait_for_url(re.compile(r".*/console/jobs/\d+$"))
    _bar_done(me, "75", "valide")
    job_url = page.url
    assert "Aperçu des changements" in page.content()
    me.check("job-valide")
    page.check("#confirme-appliquer", force=True)
    page.click("form[action$='/appliquer'] button")
    _bar_done(me, "75", "termine")
    assert page.locator("#compteur-creations").inner_text() == "4"  # 1 entité + 3 dispositifs
    assert "Terminé" in page.locator("#statut-job").inner_text().capitalize()
    me.check("job-termine")

    # One more dispositif by hand: one mistake, fixed, saved, then edited.
    me.goto("/console/dispositifs/nouveau?departement=75")
    page.fill("#champ-siren", "732829320")
    page.fill("#champ-nom", "Halte de nuit Belleville")
    page.select_option("#champ-type_code", "VS_HALTE_NUIT")
    page.fill("#champ-siret", "73282932000075")  # wrong key
    page.click("button:has-text('Enregistrer le dispositif')")
    message = page.locator("#champ-siret-messages")
    assert "SIRET_INVALIDE" in message.inner_text()
    assert "rien n'a été enregistré" in page.locator("#resume-anomalies").inner_text()
    me.check("dispositif-nouveau-erreur")
    page.fill("#champ-siret", "73282932000074")
    page.click("button:has-text('Enregistrer le dispositif')")
    page.wait_for_selector("text=Dispositif enregistré")
    assert re.search(r"/console/dispositifs/DSP-75-\d{6}", page.url)
    page.fill("#champ-commune", "Paris 20e")
    page.click("button:has-text('Enregistrer les modifications')")
    page.wait_for_selector("text=Modifications enregistrées")
    history = page.locator("#table-historique tbody tr")
    assert history.count() == 2
    assert "Paris 20e" in history.nth(1).inner_text()
    me.check("dispositif")
    me.goto("/console/departements/75")
    assert page.locator("#table-dispositifs tbody tr").count() == 4
    me.check("departement")
    me.goto("/console/entites/732829320")
    me.check("entite")
    me.goto("/console/entites/nouvelle")
    me.check("entite-nouvelle")

    # Another département's administrator: the job is a 404 page.
    other = Pages(chromium, base, requests)
    other.sign_in(_code(stack, ADMIN_69))
    response = other.page.goto(job_url)
    assert response is not None and response.status == 404
    assert "Job introuvable" in other.page.content()
    other.check("job-introuvable")

    # The national team: every job, the 101 départements, the link to Flower.
    national = Pages(chromium, base, requests)
    national.sign_in(_code(stack, NATIONAL))
    national.goto("/console/national")
    assert national.page.locator("#temps1 tbody tr").count() == 101
    assert national.page.locator("a:has-text('Flower')").count() >= 1
    national.check("national")

    outside = [u for u in requests if not u.startswith((base + "/", "data:", "blob:", "about:"))]
    assert not outside, outside


OPERATEUR_93 = "operateur.93@siao93.fr"


def _offre(stack: Any, *args: str, token: str | None = None) -> str:
    """The CLI on the stack (``token``: through its API)."""
    extra = ("--api", f"http://127.0.0.1:{stack.api_port}", "--jeton", token) if token else ()
    done = subprocess.run(
        cli(*args, *extra),
        env={**stack.env, "OFFRE_ALLOW_DEMO_DATA": "1"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _temps1_of_93(stack: Any, tmp_path: Path) -> None:
    """Legacy data for 93 and its noisy Temps 1 workbook, imported by the national team."""
    workbook = tmp_path / "temps1-93.xlsx"
    _offre(stack, "historique", "generer", "--departement", "93", "--taille", "20",
           "--classeur-bruite", str(workbook))  # fmt: skip
    token = _offre(stack, "utilisateurs", "jeton", "--courriel", NATIONAL).strip().splitlines()[-1]
    _offre(stack, "importer", str(workbook), "--appliquer", "--attendre", token=token)


def _figure(page: Any, name: str) -> int:
    return int(page.locator(f"#groupes-{name}").inner_text())


def test_temps2_and_capacities_in_chromium(stack: Any, chromium: Any, tmp_path: Path) -> None:
    """An operator of 93 opens the rattachement page, changes one groupe's target in place and
    sees the figures move, mistypes another and reads why next to the field; the national team
    reads the capacity report of a switched département."""
    base = f"http://127.0.0.1:{stack.api_port}"
    requests: list[str] = []
    _temps1_of_93(stack, tmp_path)
    stack.user(OPERATEUR_93, "OPERATEUR_SIAO", "93")
    me = Pages(chromium, base, requests)
    page = me.page
    me.sign_in(_code(stack, OPERATEUR_93))
    page.click("#navigation a:has-text('Rattachement (Temps 2)')")
    page.wait_for_url(re.compile(r".*/console/departements/93/rattachement$"))
    total, restants = _figure(page, "total"), _figure(page, "restants")
    assert total == restants > 0 and _figure(page, "rattaches") == 0
    me.check("rattachement")

    # Another target than the one proposed, for the first groupe, in its own row.
    row = page.locator("#table-groupes tbody tr").first
    groupe = (row.get_attribute("id") or "").removeprefix("groupe-")
    proposed = page.input_value(f"#cible-{groupe}")
    targets = page.locator("#dispositifs-cibles option").evaluate_all("o => o.map(e => e.value)")
    other = next(t for t in targets if t != proposed)
    page.select_option(f"#decision-{groupe}", "rattacher")
    page.fill(f"#cible-{groupe}", other)
    row.locator("button:has-text('Enregistrer')").click()
    page.wait_for_selector("text=Décision enregistrée")
    assert f"rattaché à {other}" in page.locator(".fr-alert--success").inner_text()
    assert (_figure(page, "rattaches"), _figure(page, "restants")) == (1, restants - 1)
    assert other in page.locator(f"#groupe-{groupe}").inner_text()
    me.check("rattachement-decision")

    # A target that does not exist: the row says why, next to the field; nothing moves.
    second = page.locator("#table-groupes tbody tr").nth(1)
    groupe2 = (second.get_attribute("id") or "").removeprefix("groupe-")
    page.select_option(f"#decision-{groupe2}", "rattacher")
    page.fill(f"#cible-{groupe2}", "DSP-93-999999")
    second.locator("button:has-text('Enregistrer')").click()
    message = page.locator(f"#cible-{groupe2}-messages")
    message.wait_for()
    assert "DISPOSITIF_INCONNU" in message.inner_text()
    assert page.locator(f"#cible-{groupe2}").get_attribute("aria-describedby") == (
        f"cible-{groupe2}-messages"
    )
    assert _figure(page, "restants") == restants - 1
    me.check("rattachement-erreur")

    me.goto("/console/departements/93/rattachement/comptes")
    me.check("comptes")
    page.locator("#table-comptes tbody a").first.click()
    page.wait_for_selector("h2:has-text('Décision')")
    me.check("compte")

    # The capacity report of a switched département, for the national team.
    for statement in statements("75", switched=True, first_groupe=900_000):
        stack.execute(statement)
    national = Pages(chromium, base, requests)
    national.sign_in(_code(stack, NATIONAL))
    national.page.click("#navigation a:has-text('Capacités')")
    national.page.wait_for_url(re.compile(r".*/console/capacites$"))
    assert national.page.locator("svg[role=img]").count() == 6
    national.check("capacites")
    national.goto("/console/departements/75/capacites")
    chrs = national.page.locator("#table-types tr:has(th:text-is('CHRS'))")
    assert "94,3" in chrs.inner_text()
    national.check("capacites-departement")

    outside = [u for u in requests if not u.startswith((base + "/", "data:", "blob:", "about:"))]
    assert not outside, outside


def _block(stack: Any, headers: dict[str, str]) -> None:
    """69 keeps a groupe to decide, 33 a groupe excluded though people live in it."""
    for dep, body in (("69", {"decision": None}), ("33", {"decision": "exclure"})):
        listing = stack.http.get(
            f"/api/v1/departements/{dep}/propositions", headers=headers, params={"taille": 1000}
        ).json()["items"]
        groupe = next(p["groupe"] for p in listing if p["places_occupees"] > 0)
        response = stack.http.put(
            f"/api/v1/groupes-places/{groupe}/rattachement", headers=headers, json=body
        )
        assert response.status_code == 200, response.text


def _digests(stack: Any, dep: str) -> dict[str, str]:
    from service.db.engine import make_engine
    from service.legacy.digests import siao_digests

    engine = make_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            return siao_digests(conn, dep)
    finally:
        engine.dispose()


def _text(page: Any, selector: str) -> str:
    return " ".join(page.locator(selector).inner_text().replace("\xa0", " ").split())


def _job_final(me: Pages, statut: str) -> None:
    """The job page rendered once the job ended (the live page reloads itself then)."""
    me.page.wait_for_url(re.compile(r".*/console/jobs/\d+$"))
    me.page.wait_for_function(
        "statut => document.querySelector('[data-flux]')?.dataset.statut === statut",
        arg=statut,
        timeout=120_000,
    )
    me.page.wait_for_load_state()


def test_bascule_dashboard_in_chromium(stack: Any, chromium: Any, tmp_path: Path) -> None:
    """Issue 12's « Done when » in the console: the national team sees 3 départements of 5
    ready and why the other 2 are not, simulates the 2 blocked ones (the second « non lancé »
    after the first failure), switches the 3 ready ones followed live, rolls one back after
    reading its preview and finds its legacy rows as they were; another profile gets 403."""
    from tests.support.temps3 import ready_stack

    base = f"http://127.0.0.1:{stack.api_port}"
    requests: list[str] = []
    headers = ready_stack(stack, ("75", "93", "13", "69", "33"), tmp_path)
    _block(stack, headers)
    before = _digests(stack, "13")

    national = Pages(chromium, base, requests)
    page = national.page
    national.sign_in(_code(stack, NATIONAL))
    page.click("#navigation a:has-text('Bascule (Temps 3)')")
    page.wait_for_url(re.compile(r".*/console/bascule$"))
    assert page.locator("#table-bascule tbody tr").count() == 101
    states = {
        dep: page.locator(f"#departement-{dep}").get_attribute("data-statut")
        for dep in ("75", "93", "13", "69", "33")
    }
    assert states == {"75": "pret", "93": "pret", "13": "pret", "69": "bloque", "33": "bloque"}
    assert "GROUPE_NON_RATTACHE × 1" in _text(page, "#departement-69")
    assert "GROUPE_EXCLU_OCCUPE × 1" in _text(page, "#departement-33")
    assert page.locator("#resume-bloque").inner_text() == "2"
    national.check("bascule")

    # Why 33 is blocked, item by item.
    page.click("#departement-33 a:has-text('Préparation')")
    page.wait_for_url(re.compile(r".*/console/departements/33/bascule$"))
    assert page.locator("#bloquant-GROUPE_EXCLU_OCCUPE tbody tr").count() == 1
    national.check("bascule-departement")

    # A simulation of the 2 blocked ones, one at a time, stopping after a failure.
    national.goto("/console/bascule?statut=bloque")
    assert page.locator("#table-bascule tbody tr").count() == 2
    page.check("#choix-33", force=True)
    page.check("#choix-69", force=True)
    page.fill("#parallele", "1")
    page.fill("#arret_apres_echecs", "1")
    page.click("#bouton-simuler")
    _job_final(national, "echec")
    assert "échec" in _text(page, "#unite-33 .fr-badge").lower()  # badges are in capitals
    assert "non lancé" in _text(page, "#unite-69 .fr-badge").lower()
    assert "non lancé — arrêt après 1 échec(s)" in page.locator("#barres").inner_text()
    national.check("bascule-job-echec")

    # The 3 ready ones, two at a time, followed live on the job page.
    national.goto("/console/bascule")
    page.click("a:has-text('Cocher les départements prêts')")
    page.wait_for_url(re.compile(r".*cocher=prets$"))
    checked = page.locator("#table-bascule input[type=checkbox]:checked")
    assert sorted(checked.evaluate_all("c => c.map(e => e.value)")) == ["13", "75", "93"]
    page.fill("#parallele", "2")
    page.check("#confirme-vague", force=True)
    page.click("#bouton-basculer")
    _job_final(national, "termine")
    assert any("/evenements" in url for url in requests), "pas de flux en direct"
    for dep in ("75", "93", "13"):
        assert "basculé" in _text(page, f"#unite-{dep} .fr-badge").lower()
        assert page.locator(f"#barre-{dep}").get_attribute("data-statut") == "termine"
    assert int(page.locator("#compteur-creations").inner_text()) > 0
    national.check("bascule-job")
    job_url = page.url

    # The rollback of 13: its preview, then the confirmation; its legacy rows as they were.
    page.click("#unite-13 a:has-text('Revenir en arrière')")
    page.wait_for_url(re.compile(r".*/retour-bascule\?departement=13$"))
    assert "13 — " in page.locator("#table-retour tbody").inner_text()
    national.check("bascule-retour")
    page.check("#confirme-retour", force=True)
    page.click("#bouton-retour")
    _job_final(national, "termine")
    assert "Retour arrière" in page.locator("h1").inner_text()
    national.check("bascule-retour-job")
    assert _digests(stack, "13") == before
    national.page.goto(job_url)
    assert "Annulé par le job" in page.locator("#unite-13").inner_text()

    # 93's rollback once a moved groupe changed in the module: the preview says what, the
    # confirmation is refused with the message, and « forcer » is offered.
    stack.execute(
        "UPDATE offre.groupe_places SET libelle = libelle || ' (modifié)' WHERE id = (SELECT "
        "min(g.id) FROM offre.groupe_places g JOIN offre.dispositif d ON d.id = g.dispositif_id "
        "WHERE d.departement = '93')"
    )
    page.click("#unite-93 a:has-text('Revenir en arrière')")
    page.wait_for_url(re.compile(r".*/retour-bascule\?departement=93$"))
    assert "MODIFIE_DEPUIS" in page.locator("#modifie-depuis").inner_text()
    page.check("#confirme-retour", force=True)
    page.click("#bouton-retour")
    page.wait_for_selector("text=Retour arrière refusé")
    assert page.locator("#forcer").count() == 1
    national.check("bascule-retour-refuse")
    national.goto("/console/bascule")
    assert page.locator("#departement-13").get_attribute("data-statut") == "pret"
    assert page.locator("#departement-75").get_attribute("data-statut") == "bascule"

    # Another profile: no link, and the page is refused.
    other = Pages(chromium, base, requests)
    other.sign_in(_code(stack, ADMIN_75))
    assert other.page.locator("#navigation a:has-text('Bascule')").count() == 0
    response = other.page.goto(base + "/console/bascule")
    assert response is not None and response.status == 403
    assert "réservée à l'administration nationale" in other.page.content()
    other.check("bascule-interdit")

    outside = [u for u in requests if not u.startswith((base + "/", "data:", "blob:", "about:"))]
    assert not outside, outside
