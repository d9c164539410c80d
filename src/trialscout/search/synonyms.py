"""Standard abbreviations of conditions and treatments, so that either form finds the other.

Registry records write "NSCLC" in one trial and "non-small cell lung cancer" in the next; a
patient types either. Each entry lists the forms that mean the same thing; a query that holds
one of them matches a trial that holds any. The list is deliberately short and conservative:
only abbreviations that mean one thing in a trial registry.
"""

from __future__ import annotations

EQUIVALENT_FORMS: tuple[tuple[str, ...], ...] = (
    (
        "non-small cell lung cancer",
        "NSCLC",
        "non-small cell lung carcinoma",
        "carcinoma, non-small-cell lung",
    ),
    ("small cell lung cancer", "SCLC", "small cell lung carcinoma"),
    ("hepatocellular carcinoma", "HCC"),
    ("colorectal cancer", "CRC"),
    ("renal cell carcinoma", "RCC"),
    ("acute myeloid leukemia", "AML", "acute myeloid leukaemia"),
    ("acute lymphoblastic leukemia", "acute lymphoblastic leukaemia"),
    ("chronic lymphocytic leukemia", "CLL", "chronic lymphocytic leukaemia"),
    ("chronic myeloid leukemia", "CML", "chronic myeloid leukaemia"),
    ("myelodysplastic syndrome", "MDS", "myelodysplastic syndromes"),
    ("diffuse large B-cell lymphoma", "DLBCL"),
    ("head and neck squamous cell carcinoma", "HNSCC", "squamous cell carcinoma of head and neck"),
    ("triple-negative breast cancer", "TNBC", "triple negative breast cancer"),
    ("metastatic castration-resistant prostate cancer", "mCRPC"),
    ("gastrointestinal stromal tumor", "GIST", "gastrointestinal stromal tumour"),
    ("glioblastoma", "GBM", "glioblastoma multiforme"),
    ("chronic obstructive pulmonary disease", "COPD"),
    ("type 2 diabetes", "T2DM", "type 2 diabetes mellitus"),
    ("type 1 diabetes", "T1DM", "type 1 diabetes mellitus"),
    ("amyotrophic lateral sclerosis", "ALS"),
    ("human immunodeficiency virus", "HIV"),
    ("systemic lupus erythematosus", "SLE"),
    ("inflammatory bowel disease", "IBD"),
    ("attention deficit hyperactivity disorder", "ADHD"),
    ("post-traumatic stress disorder", "PTSD", "posttraumatic stress disorder"),
    ("major depressive disorder", "MDD"),
    ("obstructive sleep apnea", "OSA", "obstructive sleep apnoea"),
    ("polycystic ovary syndrome", "PCOS"),
    ("nonalcoholic steatohepatitis", "NASH", "non-alcoholic steatohepatitis", "MASH"),
    ("chronic kidney disease", "CKD"),
    ("heart failure", "CHF", "congestive heart failure"),
    ("atrial fibrillation", "AFib"),
    ("myocardial infarction", "heart attack"),
    ("COVID-19", "SARS-CoV-2", "coronavirus disease 2019"),
    ("programmed death-ligand 1", "PD-L1"),
    ("epidermal growth factor receptor", "EGFR"),
    ("anaplastic lymphoma kinase", "ALK"),
    ("human epidermal growth factor receptor 2", "HER2", "ERBB2"),
    ("chimeric antigen receptor T-cell", "CAR-T", "CAR T-cell"),
)
