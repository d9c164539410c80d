"""The research team exactly as registered: a Study Director is never called a Principal
Investigator, and site investigators and contacts are counted, not listed."""

from __future__ import annotations

from typing import Any

import msgspec

from tests.conftest import v2_studies
from trialscout.sources.ctgov_json import trial_from_v2
from trialscout.trialpage.team import ResearchTeam, research_team

WORDS = {
    "PRINCIPAL_INVESTIGATOR": "Principal Investigator",
    "STUDY_DIRECTOR": "Study Director",
    "STUDY_CHAIR": "Study Chair",
    "SUB_INVESTIGATOR": "Sub-Investigator",
}


def _study(nct_id: str) -> dict[str, Any]:
    return next(s for s in v2_studies() if s["protocolSection"]["identificationModule"]["nctId"] == nct_id)


def test_a_study_director_stays_a_study_director_and_a_principal_investigator_stays_one() -> None:
    director = research_team(trial_from_v2(_study("NCT05843643")))
    assert [(o.name, o.role, o.affiliation) for o in director.officials] == [
        ("ABBVIE INC.", "Study Director", "AbbVie")
    ]
    investigator = research_team(trial_from_v2(_study("NCT05853900")))
    assert [(o.name, o.role, o.affiliation) for o in investigator.officials] == [
        ("Parth Shah", "Principal Investigator", "ObvioHealth")
    ]
    assert director.officials[0].derived.evidence[1].words == "STUDY_DIRECTOR"


def test_every_official_has_the_role_the_record_registers() -> None:
    seen: set[str] = set()
    for study in v2_studies():
        registered = study["protocolSection"].get("contactsLocationsModule", {}).get("overallOfficials", [])
        team = research_team(trial_from_v2(study))
        expected = [(o["name"], WORDS.get(o.get("role", ""))) for o in registered if o.get("name")]
        assert [(o.name, o.role) for o in team.officials] == expected
        seen.update(role for _, role in expected if role)
    assert {"Principal Investigator", "Study Director", "Study Chair"} <= seen


def test_the_responsible_party_and_the_site_people_are_counted_as_registered() -> None:
    team = research_team(trial_from_v2(_study("NCT05879653")))
    assert team.responsible_party is not None
    assert team.responsible_party.words == (
        "The principal investigator: Takashi Kobayashi (Professor, Kyoto University Hospital)"
    )
    study = _study("NCT05827016")
    sites = study["protocolSection"]["contactsLocationsModule"]["locations"]
    team = research_team(trial_from_v2(study))
    roles = [c.get("role") for s in sites for c in s.get("contacts", [])]
    investigators = sum(r in WORDS for r in roles)
    assert (team.site_investigators, team.site_contacts) == (investigators, len(roles) - investigators)
    assert team.site_contacts > 200
    assert team.sites_with_people <= len(sites)
    assert team.responsible_party is not None and team.responsible_party.words.startswith("The sponsor (")
    assert msgspec.json.decode(msgspec.json.encode(team), type=ResearchTeam) == team
