"""Pools of French names, streets, communes and organisations for the legacy-data generator,
and the pure helpers turning its draws into identifiers (Luhn keys) and e-mail slugs.

`generator.py` draws from these tuples with its own seeded RNG, so their order is part of the
generator's determinism (append to a pool, never reorder it).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from random import Random

from stdnum import luhn

from service.referentiels import reference_data

_MULTIPLIER = 7_919_813  # odd and not a multiple of 5: a bijection modulo any power of ten
# FINESS prefix of the overseas départements (DOMAIN.md §5: 970 + DOM digit, Mayotte 98).
FINESS_PREFIX = {"971": "9701", "972": "9702", "973": "9703", "974": "9704", "976": "985"}


@cache
def slug(value: str) -> str:
    """ASCII, lower case, words joined by hyphens: « Le Gall » → le-gall, Schœlcher → schoelcher."""
    value = value.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae")
    ascii_ = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")


def with_key(digits: str, key_source: str | None = None) -> str:
    """``digits`` followed by the Luhn key of ``key_source`` (default: the digits)."""
    return digits + luhn.calc_check_digit(key_source or digits)


def scrambled(prefix: str, index: int, offset: int) -> str:
    """``prefix`` then random-looking digits, 8 characters in all; distinct index → distinct."""
    width = 8 - len(prefix)
    return f"{prefix}{(index * _MULTIPLIER + offset) % 10**width:0{width}d}"


def finess(departement: str, serial: int, offset: int) -> str:
    """A FINESS of the département; Corsica's key is computed on 20 (no rule for 2A/2B)."""
    digits = scrambled(FINESS_PREFIX.get(departement, departement), serial, offset)
    return with_key(digits, "20" + digits[2:] if departement in ("2A", "2B") else None)


def address(rng: Random, departement: str) -> tuple[str, str, str]:
    """(voie, code postal, commune) in the département, the chef-lieu more often."""
    communes = COMMUNES[departement]
    nom, codes = communes[0] if rng.random() < 0.6 else rng.choice(communes)
    numero = f"{rng.randint(1, 180)}{' bis' if rng.random() < 0.05 else ''}"
    return f"{numero} {rng.choice(TYPES_VOIE)} {rng.choice(NOMS_VOIE)}", rng.choice(codes), nom


def association(rng: Random, commune: str, departement: str) -> tuple[str, str]:
    """(nom, e-mail domain) of a local association."""
    modele = rng.choice(MODELES_ASSOCIATION)
    nom = modele.format(lieu=rng.choice(NOMS_LIEU), commune=commune, code=departement)
    core = slug(nom.removeprefix("Association "))
    local = "{commune}" in modele or "{code}" in modele
    return nom, f"{core}.fr" if local else f"{core}-{departement.lower()}.fr"


def structure_name(rng: Random, type_code: int, commune: str) -> str:
    modele = rng.choice(MODELES_STRUCTURE[type_code])
    return modele.format(lieu=rng.choice(NOMS_LIEU), commune=commune, hotel=rng.choice(NOMS_HOTEL))


def generic_mailbox(rng: Random, departement: str, siao: bool) -> str:
    """A role mailbox's local part: contact, accueil… or, at a SIAO, 115, siao75, siao-2a…"""
    boite = rng.choice(BOITES_SIAO if siao else BOITES_GENERIQUES)
    if boite != "siao":
        return boite
    code = departement.lower()
    return f"siao{code}" if code.isdigit() else f"siao-{code}"


@cache
def nationales_pour(type_code: int, region: str) -> tuple[int, ...]:
    """Positions in ENTITES_NATIONALES of the operators running this type in this region."""
    return tuple(
        i
        for i, (_, _, regions, types) in enumerate(ENTITES_NATIONALES)
        if type_code in types and regions in ("", region)
    )


def siren_local(prefix: str, departement_index: int, serial: int, offset: int) -> str:
    """Distinct for each (prefix, département, serial below the capacity), whatever the seed."""
    capacity = 10 ** (8 - len(prefix)) // 128
    return with_key(scrambled(prefix, departement_index * capacity + serial % capacity, offset))


def siren_national(position: int) -> str:
    """The fixed SIREN of ENTITES_NATIONALES[position], whatever the seed."""
    return with_key(scrambled("77", position, 0))


def siren_regional(region: str) -> str:
    """The fixed SIREN of the regional association of ``region``, whatever the seed."""
    return with_key(scrambled("77", 100 + REGIONS.index(region), 0))


def entite_regionale(region: str) -> tuple[str, str]:
    """(nom, e-mail domain) of the association running structures across a region."""
    return f"Fédération régionale d'hébergement {region}", f"frh-{slug(region)}.fr"


def _pool(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _codes(spec: str) -> tuple[str, ...]:
    """``75001-75020`` is a range; otherwise postal codes separated by spaces."""
    if "-" in spec:
        first, last = (int(part) for part in spec.split("-"))
        return tuple(f"{code:05d}" for code in range(first, last + 1))
    return tuple(spec.split())


def _communes(text: str) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    result: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}
    for line in text.strip().splitlines():
        code, *communes = line.split(";")
        result[code] = tuple(
            (nom, _codes(spec)) for nom, spec in (c.rsplit(":", 1) for c in communes)
        )
    return result


PRENOMS: tuple[str, ...] = _pool(
    "Marie, Nathalie, Isabelle, Sylvie, Catherine, Sandrine, Valérie, Christine, Céline, "
    "Stéphanie, Aurélie, Julie, Émilie, Camille, Laura, Sarah, Manon, Léa, Chloé, Pauline, "
    "Claire, Anne, Sophie, Élodie, Mélanie, Virginie, Karine, Amandine, Fatima, Samira, Nadia, "
    "Aïcha, Fatou, Awa, Inès, Yasmine, Océane, Marion, Lucie, Hélène, Agnès, Béatrice, Martine, "
    "Brigitte, Françoise, Jean, Pierre, Michel, Philippe, Alain, Nicolas, Christophe, Laurent, "
    "Stéphane, Frédéric, Sébastien, Julien, David, Thomas, Olivier, Éric, Vincent, Mathieu, "
    "Romain, Antoine, Guillaume, Maxime, Kévin, Alexandre, Hugo, Lucas, Théo, Karim, Mohamed, "
    "Mehdi, Youssef, Moussa, Mamadou, Jean-Pierre, Jean-Marc, Jean-François, Marie-Claire, "
    "Anne-Sophie, Pierre-Yves, François, Bruno, Patrick, Didier, Yannick, Loïc, Gaëlle, Soizic, "
    "Maëlle, Rémi, Benoît, Jérôme, Cédric, Fabrice, Grégory, Hervé, Joël, Noémie"
)

NOMS: tuple[str, ...] = _pool(
    "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, "
    "Laurent, Lefebvre, Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, Morel, Girard, "
    "André, Lefèvre, Mercier, Dupont, Lambert, Bonnet, François, Martinez, Legrand, Garnier, "
    "Faure, Rousseau, Blanc, Guérin, Muller, Henry, Roussel, Nicolas, Perrin, Morin, Mathieu, "
    "Clément, Gauthier, Dumont, Lopez, Fontaine, Chevalier, Robin, Masson, Sanchez, Gérard, "
    "Nguyen, Boyer, Denis, Lemaire, Duval, Joly, Gautier, Roger, Roche, Roy, Noël, Meyer, Lucas, "
    "Meunier, Jean, Perez, Marchand, Dufour, Blanchard, Marie, Barbier, Brun, Dumas, Brunet, "
    "Schmitt, Leroux, Colin, Fernandez, Pierre, Renard, Arnaud, Rolland, Caron, Aubert, Giraud, "
    "Leclerc, Vidal, Bourgeois, Renaud, Lemoine, Picard, Gaillard, Philippe, Leclercq, Lacroix, "
    "Fabre, Dupuis, Olivier, Rodriguez, Da Silva, Hubert, Louis, Charles, Guillot, Rivière, "
    "Le Gall, Guillaume, Adam, Rey, Moulin, Gonzalez, Berger, Lecomte, Ménard, Fleury, "
    "Deschamps, Carpentier, Julien, Benoît, Maillard, Marchal, Aubry, Vasseur, Le Roux, Renault, "
    "Jacquet, Collet, Prévost, Poirier, Charpentier, Royer, Huet, Baron, Dupuy, Pons, Paul, "
    "Lainé, Carré, Breton, Rémy, Schneider, Perrot, Guyot, Barre, Marty, Cousin, Benali, Haddad, "
    "Traoré, Diallo, Mendy, Diop, Keita, Bensaïd, Cherif, Mansouri, Ferreira, Pereira, "
    "Dos Santos, Tran, Le Goff, Kerbrat, Payet, Hoarau, Grondin, Jean-Baptiste, Alexis, Zobda, "
    "Madi, Ahamada, Said, Étienne, Lebon, Boucher, Hamel, Poulain, Langlois, Weber"
)

TYPES_VOIE: tuple[str, ...] = _pool(
    "rue, rue, rue, rue, avenue, avenue, boulevard, place, impasse, chemin, allée, quai, route"
)

NOMS_VOIE: tuple[str, ...] = _pool(
    "de la République, Victor Hugo, Jean Jaurès, Pasteur, du Général de Gaulle, de la Gare, "
    "des Écoles, Gambetta, Jules Ferry, de la Paix, Saint-Michel, des Lilas, du Moulin, "
    "de l'Église, Émile Zola, Aristide Briand, Carnot, de Verdun, Paul Bert, Anatole France, "
    "Voltaire, des Tilleuls, du 8 Mai 1945, du 11 Novembre, Jean Moulin, Louise Michel, "
    "de la Libération, du Stade, des Peupliers, Georges Clemenceau, Henri Barbusse, "
    "Maurice Ravel, de Paris, de la Mairie, du Château, des Acacias, de la Fontaine, du Port, "
    "Lamartine, Molière, de Strasbourg, Pierre Brossolette, Salvador Allende, Gabriel Péri, "
    "Marcel Cachin, des Roses, du Marché, Saint-Jacques, de l'Hôpital, des Prés"
)

# Names of places and houses, used in structure and local association names.
NOMS_LIEU: tuple[str, ...] = _pool(
    "Le Relais, La Passerelle, L'Escale, Le Phare, La Boussole, L'Étape, Le Tremplin, L'Abri, "
    "Le Cap, La Traverse, Horizon, L'Oasis, Le Lien, Les Compagnons, La Clé, Le Pont, Le Rocher, "
    "Le Toit, La Main Tendue, Le Fil d'Ariane, La Halte, Le Gué, Le Nid, Ariane, Les Tilleuls, "
    "Les Glycines, Les Lilas, Les Peupliers, Saint-Joseph, Saint-Vincent, Notre-Dame, Don Bosco, "
    "Marie-Thérèse, Louise Michel, Jean Moulin, Victor Hugo, Emmanuel Mounier, "
    "Saint-Benoît-Labre, La Maison Bleue, Les Mouettes, La Source, L'Arche, Le Colombier, "
    "La Roseraie, Les Hirondelles, Le Belvédère, Pierre Nicole, Les Acacias, La Clairière, "
    "Le Chêne, Les Marronniers, La Sablière, Le Verger"
)

NOMS_HOTEL: tuple[str, ...] = _pool(
    "du Commerce, de la Gare, du Centre, des Voyageurs, Le Central, de France, du Midi, "
    "Le Terminus, de la Poste, du Parc, Les Tilleuls, du Marché, de l'Europe, du Lion d'Or, "
    "de la Paix, Le Régent, des Arts, Le Florida, Bellevue, du Nord, Le Saint-Georges, "
    "de la Place, Le Provençal, Moderne"
)

# Big national operators, shared by every département that draws them. The SIREN of each is
# fixed (derived from its position here), so successive calls reuse the same entité.
# (nom, e-mail domain, regions where it operates or "" for everywhere, legacy types it runs)
ENTITES_NATIONALES: tuple[tuple[str, str, str, tuple[int, ...]], ...] = (
    ("Association Aurore", "aurore.asso.fr", "Île-de-France", (300, 400, 500, 600, 800, 900)),
    ("Emmaüs Solidarité", "emmaus-solidarite.fr", "Île-de-France", (300, 400, 800)),
    ("Fondation de l'Armée du Salut", "armeedusalut.fr", "", (300, 400, 600, 800)),
    ("Croix-Rouge française", "croix-rouge.fr", "", (300, 400, 600, 700)),
    ("Coallia", "coallia.fr", "", (300, 400, 700, 800, 900)),
    ("Adoma", "adoma.cdc-habitat.fr", "", (200, 700, 800)),
    ("France terre d'asile", "france-terre-asile.fr", "", (700,)),
    ("Forum réfugiés", "forumrefugies.fr", "", (700,)),
    ("France Horizon", "france-horizon.fr", "", (400, 700)),
    ("Habitat et Humanisme", "habitat-humanisme.fr", "", (800, 900, 1100)),
    ("Groupe SOS Solidarités", "groupe-sos.fr", "", (300, 400, 600, 800)),
    ("Secours catholique – Caritas France", "secours-catholique.fr", "", (300, 400)),
    ("Société de Saint-Vincent-de-Paul", "ssvp.fr", "", (300, 800)),
    ("SOLIHA", "soliha.fr", "", (900, 1000, 1100)),
    ("Fondation Saint-Jean-de-Dieu", "fondation-saint-jean-de-dieu.fr", "", (300, 600)),
)

# Regions in the order of their first département in departements.csv: a region's position is
# part of the SIREN of its regional association (siren_regional).
REGIONS: tuple[str, ...] = tuple(dict.fromkeys(d.region for d in reference_data.departements()))

# Local association name patterns: {lieu}, {commune} and {code} are filled in.
MODELES_ASSOCIATION = _pool(
    "Association {lieu}, Association {lieu}, {lieu}, Accueil et Réinsertion {commune}, "
    "Entraide {commune}, Samu social de {commune}, Sauvegarde {code}, ADSEA {code}, "
    "{lieu} Solidarités, Foyer {lieu}, Association d'Hébergement {commune}, "
    "Maison de la Veille sociale de {commune}, Accueil {lieu}"
)

MODELES_STRUCTURE: dict[int, tuple[str, ...]] = {
    100: _pool("Hôtel {hotel}"),
    200: _pool("RHVS {lieu}, Résidence hôtelière à vocation sociale {lieu}"),
    300: _pool(
        "CHU {lieu}, Centre d'hébergement d'urgence {lieu}, Halte de nuit {lieu}, "
        "Accueil de nuit {commune}, Abri de nuit {lieu}, CHU {commune}"
    ),
    400: _pool("CHRS {lieu}, CHRS {lieu}, CHRS {commune}"),
    500: _pool("ALT {commune}, Hébergement ALT {lieu}"),
    600: _pool(
        "LHSS {lieu}, ACT {lieu}, Lits d'accueil médicalisés {commune}, Centre maternel {lieu}"
    ),
    700: _pool("CADA {lieu}, CADA {commune}, HUDA {commune}, PRAHDA {commune}, CPH {lieu}"),
    800: _pool(
        "Pension de famille {lieu}, Résidence sociale {lieu}, Maison relais {lieu}, FJT {lieu}, "
        "Foyer de travailleurs migrants {commune}"
    ),
    900: _pool("IML {commune}, Solibail {commune}, Intermédiation locative {lieu}"),
    1000: _pool("Logements adaptés {commune}, Parc social {lieu}"),
    1100: _pool("ALT logement {commune}, Logements ALT {lieu}"),
}

LIBELLES_PLACE: dict[str, tuple[str, ...]] = {
    "urgence": _pool("Places d'urgence, Hébergement d'urgence, Mise à l'abri, Chambres d'urgence"),
    "stabilisation": _pool("Places de stabilisation, Stabilisation, Chambres de stabilisation"),
    "insertion": _pool("Places d'insertion, Hébergement d'insertion, Appartements d'insertion"),
    "hiver": _pool("Renfort hivernal, Places hiver, Plan hiver"),
    "grand froid": _pool("Grand froid, Places grand froid (gymnase), Renfort grand froid"),
    "logement": _pool("Logements T1, Logements T2, Logements T3, Studios, Appartements"),
}

WEBMAILS = _pool("gmail.com, orange.fr, wanadoo.fr, hotmail.fr, yahoo.fr, laposte.net, free.fr")
# Role mailboxes met in legacy accounts; "siao" becomes siao75@, siao-2a@ (generic_mailbox).
BOITES_GENERIQUES = _pool("contact, accueil, secretariat, info, direction")
BOITES_SIAO = _pool("siao, siao, 115, 115, accueil, secretariat, coordination")

# Communes per département: « code;nom:codes postaux;… », the chef-lieu first (drawn most).
# Postal codes start with the département (20 for 2A/2B, 971… overseas); never INSEE codes.
COMMUNES = _communes(
    """
01;Bourg-en-Bresse:01000;Oyonnax:01100;Ambérieu-en-Bugey:01500
02;Laon:02000;Saint-Quentin:02100;Soissons:02200
03;Moulins:03000;Montluçon:03100;Vichy:03200
04;Digne-les-Bains:04000;Manosque:04100;Sisteron:04200
05;Gap:05000;Briançon:05100;Embrun:05200
06;Nice:06000 06100 06200 06300;Cannes:06400;Antibes:06600;Grasse:06130
07;Privas:07000;Annonay:07100;Aubenas:07200
08;Charleville-Mézières:08000;Sedan:08200;Rethel:08300
09;Foix:09000;Pamiers:09100;Saint-Girons:09200
10;Troyes:10000;Romilly-sur-Seine:10100;Bar-sur-Aube:10200
11;Carcassonne:11000;Narbonne:11100;Castelnaudary:11400
12;Rodez:12000;Millau:12100;Villefranche-de-Rouergue:12200
13;Marseille:13001-13016;Aix-en-Provence:13100 13090;Arles:13200
14;Caen:14000;Lisieux:14100;Bayeux:14400
15;Aurillac:15000;Saint-Flour:15100;Mauriac:15200
16;Angoulême:16000;Cognac:16100;Confolens:16500
17;La Rochelle:17000;Saintes:17100;Rochefort:17300
18;Bourges:18000;Vierzon:18100;Saint-Amand-Montrond:18200
19;Tulle:19000;Brive-la-Gaillarde:19100;Ussel:19200
2A;Ajaccio:20000 20090;Porto-Vecchio:20137;Sartène:20100
2B;Bastia:20200 20600;Corte:20250;Calvi:20260
21;Dijon:21000;Beaune:21200;Montbard:21500
22;Saint-Brieuc:22000;Lannion:22300;Dinan:22100
23;Guéret:23000;Aubusson:23200;La Souterraine:23300
24;Périgueux:24000;Bergerac:24100;Sarlat-la-Canéda:24200
25;Besançon:25000;Montbéliard:25200;Pontarlier:25300
26;Valence:26000;Montélimar:26200;Romans-sur-Isère:26100
27;Évreux:27000;Vernon:27200;Louviers:27400
28;Chartres:28000;Dreux:28100;Châteaudun:28200
29;Quimper:29000;Brest:29200;Morlaix:29600
30;Nîmes:30000 30900;Alès:30100;Bagnols-sur-Cèze:30200
31;Toulouse:31000 31100 31200 31300 31400 31500;Muret:31600;Saint-Gaudens:31800
32;Auch:32000;Condom:32100;Mirande:32300
33;Bordeaux:33000 33100 33200 33300 33800;Mérignac:33700;Libourne:33500
34;Montpellier:34000 34070 34080 34090;Béziers:34500;Sète:34200
35;Rennes:35000 35200 35700;Saint-Malo:35400;Fougères:35300
36;Châteauroux:36000;Issoudun:36100;Le Blanc:36300
37;Tours:37000 37100 37200;Amboise:37400;Chinon:37500
38;Grenoble:38000 38100;Vienne:38200;Bourgoin-Jallieu:38300
39;Lons-le-Saunier:39000;Dole:39100;Saint-Claude:39200
40;Mont-de-Marsan:40000;Dax:40100;Biscarrosse:40600
41;Blois:41000;Vendôme:41100;Romorantin-Lanthenay:41200
42;Saint-Étienne:42000 42100;Roanne:42300;Montbrison:42600
43;Le Puy-en-Velay:43000;Brioude:43100;Yssingeaux:43200
44;Nantes:44000 44100 44200 44300;Saint-Nazaire:44600;Rezé:44400
45;Orléans:45000 45100;Montargis:45200;Gien:45500
46;Cahors:46000;Figeac:46100;Gourdon:46300
47;Agen:47000;Villeneuve-sur-Lot:47300;Marmande:47200
48;Mende:48000;Marvejols:48100;Florac-Trois-Rivières:48400
49;Angers:49000 49100;Cholet:49300;Saumur:49400
50;Saint-Lô:50000;Cherbourg-en-Cotentin:50100;Granville:50400
51;Châlons-en-Champagne:51000;Reims:51100;Épernay:51200
52;Chaumont:52000;Saint-Dizier:52100;Langres:52200
53;Laval:53000;Mayenne:53100;Château-Gontier-sur-Mayenne:53200
54;Nancy:54000 54100;Lunéville:54300;Longwy:54400
55;Bar-le-Duc:55000;Verdun:55100;Commercy:55200
56;Vannes:56000;Lorient:56100;Pontivy:56300
57;Metz:57000 57050 57070;Thionville:57100;Forbach:57600
58;Nevers:58000;Cosne-Cours-sur-Loire:58200;Clamecy:58500
59;Lille:59000 59800 59160 59260;Roubaix:59100;Dunkerque:59140;Valenciennes:59300
60;Beauvais:60000;Compiègne:60200;Creil:60100
61;Alençon:61000;Flers:61100;Argentan:61200
62;Arras:62000;Calais:62100;Boulogne-sur-Mer:62200;Lens:62300
63;Clermont-Ferrand:63000 63100;Riom:63200;Thiers:63300
64;Pau:64000;Bayonne:64100;Biarritz:64200
65;Tarbes:65000;Lourdes:65100;Bagnères-de-Bigorre:65200
66;Perpignan:66000 66100;Prades:66500;Céret:66400
67;Strasbourg:67000 67100 67200;Haguenau:67500;Sélestat:67600
68;Colmar:68000;Mulhouse:68100 68200;Saint-Louis:68300
69;Lyon:69001-69009;Villeurbanne:69100;Vénissieux:69200
70;Vesoul:70000;Lure:70200;Gray:70100
71;Mâcon:71000;Chalon-sur-Saône:71100;Le Creusot:71200
72;Le Mans:72000 72100;La Flèche:72200;Sablé-sur-Sarthe:72300
73;Chambéry:73000;Albertville:73200;Aix-les-Bains:73100
74;Annecy:74000;Annemasse:74100;Thonon-les-Bains:74200
75;Paris:75001-75020
76;Rouen:76000 76100;Le Havre:76600;Dieppe:76200
77;Melun:77000;Meaux:77100;Chelles:77500
78;Versailles:78000;Mantes-la-Jolie:78200;Saint-Germain-en-Laye:78100
79;Niort:79000;Bressuire:79300;Parthenay:79200
80;Amiens:80000 80080 80090;Abbeville:80100;Péronne:80200
81;Albi:81000;Castres:81100;Gaillac:81600
82;Montauban:82000;Castelsarrasin:82100;Moissac:82200
83;Toulon:83000 83100 83200;Fréjus:83600;Draguignan:83300
84;Avignon:84000;Carpentras:84200;Orange:84100
85;La Roche-sur-Yon:85000;Les Sables-d'Olonne:85100;Fontenay-le-Comte:85200
86;Poitiers:86000;Châtellerault:86100;Loudun:86200
87;Limoges:87000 87100 87280;Saint-Junien:87200;Bellac:87300
88;Épinal:88000;Saint-Dié-des-Vosges:88100;Remiremont:88200
89;Auxerre:89000;Sens:89100;Avallon:89200
90;Belfort:90000;Delle:90100;Valdoie:90300
91;Évry-Courcouronnes:91000;Corbeil-Essonnes:91100;Massy:91300
92;Nanterre:92000;Boulogne-Billancourt:92100;Gennevilliers:92230
93;Bobigny:93000;Saint-Denis:93200;Montreuil:93100;Aubervilliers:93300
94;Créteil:94000;Vitry-sur-Seine:94400;Ivry-sur-Seine:94200
95;Cergy:95000;Argenteuil:95100;Sarcelles:95200
971;Basse-Terre:97100;Pointe-à-Pitre:97110;Les Abymes:97139
972;Fort-de-France:97200;Le Lamentin:97232;Schœlcher:97233
973;Cayenne:97300;Saint-Laurent-du-Maroni:97320;Kourou:97310
974;Saint-Denis:97400;Saint-Pierre:97410;Le Port:97420
976;Mamoudzou:97600;Koungou:97690;Dzaoudzi:97615
"""
)

# Per legacy structure type: (weight among structures, groupes per structure (min, max), places
# per groupe (min, max), weighted types de place, probability that the structure has a FINESS).
_URGENCE = {"urgence": 6, "stabilisation": 3, "hiver": 2, "grand froid": 1}
CONFIG_TYPES: dict[int, tuple[int, tuple[int, int], tuple[int, int], dict[str, int], float]] = {
    100: (15, (1, 6), (1, 20), {"urgence": 8, "hiver": 2, "grand froid": 1}, 0.0),
    200: (3, (1, 3), (5, 30), {"insertion": 3, "stabilisation": 1, "logement": 1}, 0.2),
    300: (22, (1, 5), (5, 50), _URGENCE, 0.3),
    400: (15, (2, 6), (4, 35), {"urgence": 3, "stabilisation": 2, "insertion": 5}, 0.9),
    500: (8, (1, 3), (1, 12), {"urgence": 2, "insertion": 3}, 0.1),
    600: (7, (1, 3), (3, 25), {"stabilisation": 2, "insertion": 3}, 0.9),
    700: (12, (1, 4), (10, 120), {"urgence": 2, "insertion": 3, "stabilisation": 1}, 0.8),
    800: (8, (1, 4), (5, 60), {"logement": 4, "insertion": 2}, 0.7),
    900: (6, (1, 8), (1, 10), {"logement": 4, "insertion": 2}, 0.0),
    1000: (2, (1, 3), (1, 6), {"logement": 1}, 0.0),
    1100: (2, (1, 3), (1, 8), {"logement": 3, "insertion": 1}, 0.0),
}

# How often each legacy profile is drawn inside its family (families: reference_data.profils()).
# National administrators are not per-département accounts: never drawn.
POIDS_PROFILS_HISTORIQUES = {
    code: int(weight)
    for code, weight in (item.split(":") for item in _pool(
        "ADMINISTRATEUR_NATIONAL:0, ADMINISTRATEUR_TERRITORIAL:10, STATISTICIEN:10, "
        "ADMINISTRATEUR_FONCTIONNEL:3, COORDINATEUR:4, ECOUTANT:12, MARAUDE:4, "
        "GESTIONNAIRE_STRUCTURE:12, GESTIONNAIRE_STRUCTURE_LECTURE:3, LECTURE_SEULE:3, "
        "OPERATEUR_SIAO:8, PREMIER_ACCUEIL:4, UTILISATEUR_HEBERGEMENT_LOGEMENT:14, "
        "GESTIONNAIRE_LOCAL:3"
    ))
}  # fmt: skip

# Share of accounts per family of their profiles, and of conflicts (profiles of two families).
POIDS_FAMILLES = {"ENTITE": 68, "SIAO": 22, "ETAT": 4, "OBSERVATION_SOCIALE": 2}
POIDS_CONFLIT = 4
CONFLITS: tuple[tuple[str, str], ...] = (("SIAO", "ENTITE"),) * 3 + (
    ("ETAT", "SIAO"),
    ("OBSERVATION_SOCIALE", "SIAO"),
    ("OBSERVATION_SOCIALE", "ENTITE"),
)
