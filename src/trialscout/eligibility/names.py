"""Names whose words are no condition, drug or procedure of the patient's.

Criteria name organisations ("Eastern Cooperative Oncology Group"), scales and classifications
("Common Terminology Criteria for Adverse Events"), documents, laboratory methods ("polymerase
chain reaction", "FISH"), specimens ("archival tumor tissue", "blood sample") and parts of the
body ("central nervous system"). None of them is a concept a patient has or takes, and the words
inside them ("Oncology", "Adverse Events", "Solid Tumors", "Cancer") are no concept of their own.

`NOT_CONCEPTS` lists them as `mentions.term_key` keys would read them; the mention finder matches
them with the lexicon, longest first, and reports nothing for their words. `NAME_HEAD` is the
word that ends a name when a concept stands first ("Hamilton Depression Rating Scale", "American
Cancer Society"); `ANALYTE_CUE` marks a drug named as a laboratory value or a test ("serum
calcium", "testosterone level", "PD-L1 testing", "HIV antibody test").

The lists were drawn from the most frequent condition, diagnosis, medication and prior-therapy
keys the parser read from the 7,213 registry records under ../shared/data (December 2026).
"""

from __future__ import annotations

import re

ORGANISATIONS = (
    "eastern cooperative oncology group",
    "eastern co operative oncology group",
    "eastern cooperative group",
    "gynecologic oncology group",
    "gynaecologic oncology group",
    "children s oncology group",
    "childrens oncology group",
    "southwest oncology group",
    "south west oncology group",
    "radiation therapy oncology group",
    "pediatric oncology group",
    "north central cancer treatment group",
    "cancer and leukemia group b",
    "national surgical adjuvant breast and bowel project",
    "european organisation for research and treatment of cancer",
    "european organization for research and treatment of cancer",
    "national cancer institute",
    "national cancer institute of canada",
    "national comprehensive cancer network",
    "american joint committee on cancer",
    "union for international cancer control",
    "international union against cancer",
    "american cancer society",
    "american society of clinical oncology",
    "european society for medical oncology",
    "international federation of gynecology and obstetrics",
    "international federation of gynaecology and obstetrics",
    "world health organization",
    "world health organisation",
    "new york heart association",
    "canadian cardiovascular society",
    "american heart association",
    "american college of cardiology",
    "american diabetes association",
    "american college of rheumatology",
    "european league against rheumatism",
    "american society of anesthesiologists",
    "american psychiatric association",
    "international myeloma working group",
    "international working group",
    "international workshop on chronic lymphocytic leukemia",
    "european leukemianet",
    "european leukaemianet",
    "centers for disease control and prevention",
    "centers for disease control",
    "food and drug administration",
    "infectious diseases society of america",
    "national institutes of health",
    "institutional review board",
    "independent ethics committee",
    "ethics committee",
    "data safety monitoring board",
    "data and safety monitoring board",
)

SCALES = (
    "response evaluation criteria in solid tumors",
    "response evaluation criteria in solid tumours",
    "response evaluation criteria for solid tumors",
    "response assessment in neuro oncology",
    "common terminology criteria for adverse events",
    "common terminology criteria for adverse event",
    "common toxicity criteria for adverse events",
    "common toxicity criteria",
    "national cancer institute common toxicity criteria",
    "international neuroblastoma staging system",
    "international neuroblastoma risk group",
    "international prognostic scoring system",
    "international prognostic index",
    "international staging system",
    "revised international staging system",
    "ann arbor staging",
    "ann arbor classification",
    "lugano classification",
    "child pugh",
    "child pugh score",
    "child pugh class",
    "child pugh classification",
    "childs pugh",
    "model for end stage liver disease",
    "glasgow coma scale",
    "national institutes of health stroke scale",
    "nih stroke scale",
    "modified rankin scale",
    "expanded disability status scale",
    "mini mental state examination",
    "mini mental state exam",
    "montreal cognitive assessment",
    "clinical dementia rating",
    "alzheimer s disease assessment scale",
    "hamilton depression rating scale",
    "hamilton rating scale for depression",
    "hamilton anxiety rating scale",
    "montgomery asberg depression rating scale",
    "beck depression inventory",
    "hospital anxiety and depression scale",
    "patient health questionnaire",
    "positive and negative syndrome scale",
    "young mania rating scale",
    "brief psychiatric rating scale",
    "columbia suicide severity rating scale",
    "unified parkinson s disease rating scale",
    "psoriasis area and severity index",
    "eczema area and severity index",
    "crohn s disease activity index",
    "systemic lupus erythematosus disease activity index",
    "sequential organ failure assessment",
    "acute physiology and chronic health evaluation",
    "charlson comorbidity index",
    "brief pain inventory",
    "insomnia severity index",
    "pittsburgh sleep quality index",
    "epworth sleepiness scale",
    "alcohol use disorders identification test",
    "fagerstrom test for nicotine dependence",
    "international prostate symptom score",
    "international index of erectile function",
    "diagnostic and statistical manual of mental disorders",
    "diagnostic and statistical manual",
    "structured clinical interview for dsm",
    "international classification of diseases",
    "functional assessment of cancer therapy",
)

DOCUMENTS = (
    "informed consent form",
    "declaration of helsinki",
    "good clinical practice",
    "et al",
    "health insurance portability and accountability act",
)

#: Laboratory and imaging methods: how a finding is shown, never the finding.
ASSAYS = (
    "polymerase chain reaction",
    "reverse transcription polymerase chain reaction",
    "reverse transcriptase polymerase chain reaction",
    "real time polymerase chain reaction",
    "pcr",
    "rt pcr",
    "qpcr",
    "qrt pcr",
    "fish",
    "high sensitivity",
    "fluorescence in situ hybridization",
    "fluorescent in situ hybridization",
    "in situ hybridization",
    "chromogenic in situ hybridization",
    "immunohistochemistry",
    "immunohistochemical",
    "immunohistochemical staining",
    "immunocytochemistry",
    "ihc",
    "next generation sequencing",
    "ngs",
    "elisa",
    "western blot",
    "flow cytometry",
    "doppler",
    "karyotype",
    "genotype",
    "pd l 1 testing",
    "pd l 1 test",
    "pd l 1 assay",
    "pd l 1 status",
    "pd l 1 expression",
    "pd l 1 staining",
)

#: What a trial asks the patient to give ("provide archival tumor tissue"), not a condition.
SPECIMENS = (
    "tumor tissue",
    "tumour tissue",
    "archival tumor tissue",
    "archival tumour tissue",
    "archival tissue",
    "tissue sample",
    "tissue specimen",
    "tissue block",
    "tumor sample",
    "tumour sample",
    "tumor specimen",
    "tumour specimen",
    "tumor block",
    "tumor tissue block",
    "tumor tissue sample",
    "tumor tissue specimen",
    "paraffin embedded tumor tissue",
    "formalin fixed paraffin embedded tumor tissue",
    "circulating tumor cells",
    "circulating tumor dna",
    "tumor marker",
    "tumour marker",
    "tumor markers",
    "blood sample",
    "blood specimen",
    "sputum",
)

#: A part of the body alone: "central nervous system" of "central nervous system (CNS)
#: metastases" is not the disease; the whole phrase is, or nothing.
BODY_PARTS = (
    "central nervous system",
    "nervous system",
    "immune system",
    "uterus",
    "pancreas",
    "artery",
    "vascular",
    "optic nerve",
)

#: Words the lexicon took for conditions that name none: a field of medicine, a role in the
#: trial, a function, a head noun without its modifier.
OTHER = (
    "oncology",
    "donor",
    "hla",
    "indicator",
    "independent",
    "extension",
    "etiology",
    "good health",
    "general health",
    "cholesterol",
    "hearing",
    "vision",
    "deficiency",
    "insufficiency",
    "coagulation",
    "reactions",
    "immunization",
    "body weight",
    "birth weight",
    "pathology",
    "sleep",
    "harm",
    "emergency",
    "ill",
    "instability",
    "disturbance",
    "disturbances",
    "deficit",
    "anomalies",
    "enlargement",
    "alteration",
    "comorbidity",
    "comorbidities",
    "dependency",
    "liver enzymes",
    "immune function",
    "cognitive function",
    "physical activity",
    "walking",
)

#: Genes and proteins named alone: the biomarker reader reads them, with their alteration.
MARKERS = ("neu", "her 2", "her2", "her 2 neu", "her2 neu", "bcr abl", "bcr abl1")

#: After a part of the body, the words that make it a condition, the whole phrase the concept:
#: "central nervous system toxicity", "vascular malformation", "CNS (central nervous system) disease".
CONDITION_AFTER = re.compile(
    r"(?:\s*[(\[]\s*[a-z0-9]+\s*[)\]])?[\s-]+(?:toxicit(?:y|ies)|diseases?|disorders?|infections?|involvement"
    r"|tumou?rs?|lesions?|injur(?:y|ies)|damage|dysfunction|malformations?|bleeding|ha?emorrhages?|vasculitis"
    r"|abnormalit(?:y|ies)|anomal(?:y|ies)|insufficiency|impairment|complications?|events?|aneurysms?"
    r"|thrombosis|occlusions?|stenosis|inflammation|depression|suppression|neoplasms?|cancers?)\b"
)

NOT_CONCEPTS: tuple[str, ...] = (
    *ORGANISATIONS,
    *SCALES,
    *DOCUMENTS,
    *ASSAYS,
    *SPECIMENS,
    *BODY_PARTS,
    *OTHER,
    *MARKERS,
)

#: Conditions written in words the lexicon lacks, whose head alone it would take.
EXTRA_CONDITIONS: tuple[tuple[str, str], ...] = (
    ("disseminated intravascular coagulation", "Disseminated Intravascular Coagulation"),
    ("cardiac insufficiency", "Heart Failure"),
    ("pulmonary insufficiency", "Respiratory Insufficiency"),
    ("coronary insufficiency", "Coronary Disease"),
    ("cerebral vascular accident", "Stroke"),
    ("cerebrovascular accident", "Stroke"),
    ("iron deficiency", "Iron Deficiencies"),
    ("immune deficiency", "Immunologic Deficiency Syndromes"),
    ("allergic reactions", "Hypersensitivity"),
)

#: After a concept's words, the words that make it part of a name: "Depression Rating Scale",
#: "Cancer Center", "Lymphoma Study Group".
NAME_HEAD = re.compile(
    r"(?:[\s-]+(?:rating|activity|severity|symptoms?|status|functional|area|and|assessment|impact|staging"
    r"|prognostic|screening|study|trials?|working|research|cooperative|co-operative|clinical|oncology|handicap"
    r"|safety|disability)){0,3}"
    r"[\s-]+(?:scale|score|index|questionnaire|inventory|classification|group|society|association"
    r"|institute|foundation|network|committee|consortium|cent(?:er|re)s?|department|hospital|registry"
    r"|alliance|organi[sz]ation|federation)\b"
)

#: A drug named as a laboratory value or a test, not as something taken: the words before it...
ANALYTE_BEFORE = re.compile(
    r"(?:\b(?:serum|plasma|urine|urinary|ionized|ionised|corrected|fasting|circulating|levels?\s+of"
    r"|concentrations?\s+of|tests?\s+for|testing\s+for|titers?\s+of)[\s-]+)$"
)
#: ... or the words after it.
ANALYTE_AFTER = re.compile(
    r"[\s-]*(?:tests?|testing|assays?|levels?|concentrations?|titers?|titres?|staining|expression|status"
    r"|normal|within\s+normal|measurement|screen(?:ing)?|serology|positiv\w*|negativ\w*)\b"
    # a value in a laboratory unit, or against the normal range: "calcium > 12 mg/dL", "< 1.5 x ULN"
    r"|[\s:(]*(?:\\?[<>≤≥=]+|(?:greater|less|more|higher|lower)\s+than|above|below|over|under)?\s*"
    r"(?:[\d.,]+\s*(?:(?:mg|g|ng|pg|µg|μg|ug|mcg|mmol|µmol|μmol|umol|nmol|pmol|meq|m?iu|u)\s*/\s*(?:d?l|ml|µl|ul)"
    r"|x\s*uln)|uln|lln|institutional\s+(?:upper|lower)|the\s+(?:upper|lower)\s+limit)\b"
)
#: An antibody the patient has: "antibodies to rCD4", "antibody to HIV", "antiphospholipid
#: antibody syndrome" (the words after it).
ANTIBODY_FOUND_AFTER = re.compile(
    r"\s+(?:to|against)\s+(?:hiv|hcv|hbv|hepatitis|r?cd4|the\s+study)|\s+syndrome\b"
)
#: An antibody a test finds ("anti-HCV antibody", "HIV antibody", "anti-DNA antibodies"),
#: not one given: the words up to the mention's end.
FOUND_ANTIBODY = re.compile(
    r"\b(?:positive|negative|detectable|hiv(?:[\s-]*[12])?|hcv|hbv|hbs|hbc|hbe|hav|cmv|ebv|htlv(?:[\s-]*\w+)?"
    r"|vzv|hsv|toxoplasma|treponemal|hepatitis[\s-]+[abcde](?:[\s-]+(?:virus|surface|core|e))?"
    r"|anti[\s-]*(?:dna|ds[\s-]*dna|nuclear|hcv|hiv|hbc|hbs|hbe|hav|cmv|ebv"
    r"|thyroid|tpo|thyroglobulin|phospholipid|cardiolipin|gad|islet|ssa|ssb|ro|la|neutrophil|drug|aqp4"
    r"|mog|nmda|hla))[\s/()-]*(?:\w+[\s/()-]+)?antibod(?:y|ies)$"
)
