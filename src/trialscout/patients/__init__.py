"""A patient in: a trialscout profile (JSON), a FHIR R4 bundle or a clinical note -> PatientProfile."""
