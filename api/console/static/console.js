// La console : envoi du fichier avec sa progression (glisser-déposer compris) et progression
// en direct d'un job (flux d'événements, sinon interrogation régulière). Sans script, les
// formulaires fonctionnent tels quels.

const LIBELLES = {
  en_attente: () => "en attente",
  analyse: (d) => `analyse en cours : ${d.traitees} ligne(s) lue(s)`,
  valide: (d) => `analysé : ${d.lignes} ligne(s), aucune erreur — prêt à appliquer`,
  invalide: (d) => `analysé : ${d.lignes} ligne(s), ${d.erreurs} erreur(s) à corriger`,
  application: () => "application en cours",
  termine: (d) => `terminé : ${d.creations} création(s), ${d.modifications} modification(s), ${d.fermetures} fermeture(s)`,
  echec: (d) => `échec : ${d.message || ""}`,
  annule: (d) => "annulé" + (d.message ? ` : ${d.message}` : ""),
};
// Une bascule (Temps 3) et un retour arrière : chaque département bascule (ou est rétabli) en
// entier, ou échoue en disant pourquoi, ou ne part pas après trop d'échecs (« non lancé »).
const PAR_DEPARTEMENT = new Set(["bascule", "retour_arriere"]);
const UNITES = {
  en_attente: () => "en attente de son tour",
  application: (d, section) =>
    section.dataset.type === "retour_arriere"
      ? "retour arrière en cours"
      : section.dataset.simulation === "oui"
        ? "simulation en cours"
        : "bascule en cours",
  termine: (d, section) =>
    section.dataset.type === "retour_arriere"
      ? d.message || "terminé"
      : section.dataset.simulation === "oui"
        ? `simulé : basculerait ${d.creations} groupe(s) de places, ${d.modifications} compte(s) migré(s) ou lié(s)`
        : `basculé : ${d.creations} groupe(s) de places sous leurs dispositifs, ${d.modifications} compte(s) migré(s) ou lié(s)`,
  echec: (d) => `échec : ${d.message || ""}`,
  annule: (d) =>
    d.message?.startsWith("Non lancé")
      ? `non lancé${d.message.slice(9).replace(" :", " —")}`
      : "annulé" + (d.message ? ` : ${d.message}` : ""),
};
const FINIS = new Set(["termine", "echec", "annule"]);
const EN_COURS = new Set(["analyse", "application"]);
const ATTENTE = new Set(["valide", "invalide", "termine", "echec", "annule"]);

function barre(liste, d, libelles) {
  let item = liste.querySelector(`.console-barre[data-departement="${d.departement}"]`);
  if (!item) {
    liste.querySelector(".console-barre--vide")?.remove();
    item = document.createElement("li");
    item.className = "console-barre";
    item.dataset.departement = d.departement;
    const label = document.createElement("label");
    label.className = "fr-label";
    label.htmlFor = `barre-${d.departement}`;
    label.append(`${d.departement} : `);
    const texte = document.createElement("span");
    texte.className = "console-barre__texte";
    label.append(texte);
    const progress = document.createElement("progress");
    progress.id = `barre-${d.departement}`;
    progress.max = 1;
    item.append(label, progress);
    liste.append(item);
  }
  const texte = (libelles[d.statut] || (() => d.statut))(d, liste.closest("section"));
  item.querySelector(".console-barre__texte").textContent = texte;
  const progress = item.querySelector("progress");
  progress.dataset.statut = d.statut;
  progress.textContent = texte;
  if (EN_COURS.has(d.statut)) progress.removeAttribute("value");
  else progress.value = d.statut === "en_attente" ? 0 : 1;
}

function afficher(section, job) {
  const liste = section.querySelector("#barres");
  const parDepartement = PAR_DEPARTEMENT.has(section.dataset.type);
  for (const d of job.departements) barre(liste, d, parDepartement ? UNITES : LIBELLES);
  for (const nom of ["lignes", "erreurs", "avertissements", "creations", "modifications", "inchanges", "fermetures"]) {
    const cellule = document.getElementById(`compteur-${nom}`);
    if (cellule) cellule.textContent = job[nom];
  }
  const resume = document.getElementById("progression-job");
  if (resume && parDepartement) {
    const finis = job.departements.filter((d) => FINIS.has(d.statut)).length;
    resume.textContent = `${finis} département(s) traité(s) sur ${job.departements.length}.`;
  } else if (resume) {
    resume.textContent = `${job.traitees} ligne(s) analysée(s) sur ${job.lignes} lue(s) — étape « ${job.etape} ».`;
  }
  const statut = document.querySelector("#statut-job .fr-badge");
  if (statut) statut.textContent = job.libelle_statut;
  // Une fois le job en attente d'une personne ou fini, la page complète (anomalies, aperçu,
  // actions) est rechargée une fois.
  if (ATTENTE.has(job.statut) && job.statut !== section.dataset.statut) {
    window.location.reload();
  }
}

function suivre(section) {
  let interrogation = null;
  const interroger = () => {
    if (interrogation) return;
    interrogation = setInterval(async () => {
      const reponse = await fetch(section.dataset.etat, { headers: { Accept: "application/json" } });
      if (reponse.ok) afficher(section, await reponse.json());
    }, 2000);
  };
  if (!("EventSource" in window)) return interroger();
  const flux = new EventSource(section.dataset.flux);
  flux.addEventListener("progression", (e) => afficher(section, JSON.parse(e.data)));
  flux.addEventListener("fin", () => flux.close());
  flux.onerror = () => {
    flux.close();
    interroger();
  };
}

function deposer(formulaire) {
  const zone = document.getElementById("zone-depot");
  const champ = document.getElementById("fichier");
  const progression = document.getElementById("progression-depot");
  const barreEnvoi = document.getElementById("barre-depot");
  const erreur = document.getElementById("erreur-depot");
  for (const nom of ["dragenter", "dragover"]) {
    zone.addEventListener(nom, (e) => {
      e.preventDefault();
      zone.classList.add("console-depot--survol");
    });
  }
  for (const nom of ["dragleave", "drop"]) {
    zone.addEventListener(nom, () => zone.classList.remove("console-depot--survol"));
  }
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer?.files?.length) champ.files = e.dataTransfer.files;
  });
  formulaire.addEventListener("submit", (e) => {
    if (!champ.files.length) return; // le navigateur signale le champ obligatoire
    e.preventDefault();
    const envoi = new XMLHttpRequest();
    envoi.open("POST", formulaire.action);
    envoi.setRequestHeader("Accept", "application/json");
    progression.hidden = false;
    envoi.upload.addEventListener("progress", (p) => {
      if (p.lengthComputable) {
        barreEnvoi.value = Math.round((100 * p.loaded) / p.total);
        barreEnvoi.textContent = `${barreEnvoi.value} %`;
      }
    });
    envoi.addEventListener("load", () => {
      let reponse = {};
      try {
        reponse = JSON.parse(envoi.responseText);
      } catch {
        reponse = { erreur: "Réponse inattendue du service : réessayez." };
      }
      if (reponse.suite) {
        window.location.assign(reponse.suite);
        return;
      }
      progression.hidden = true;
      erreur.replaceChildren();
      const alerte = document.createElement("div");
      alerte.className = "fr-alert fr-alert--error fr-mb-3w";
      alerte.setAttribute("role", "alert");
      const titre = document.createElement("h2");
      titre.className = "fr-alert__title";
      titre.textContent = "Fichier refusé";
      const texte = document.createElement("p");
      texte.textContent = reponse.erreur || "Le dépôt a échoué.";
      alerte.append(titre, texte);
      erreur.append(alerte);
      erreur.focus();
    });
    envoi.addEventListener("error", () => formulaire.submit());
    envoi.send(new FormData(formulaire));
  });
}

const section = document.getElementById("progression");
if (section && section.dataset.final !== "oui") suivre(section);
const formulaire = document.getElementById("formulaire-depot");
if (formulaire) deposer(formulaire);
