"""The research team exactly as registered: the overall officials with their registry roles
(a Study Director stays a Study Director, never a "Principal Investigator"), the responsible
party, the central contacts, and how many site investigators and site contacts the record
lists (the page shows those per site)."""

from __future__ import annotations

import msgspec

from trialscout.model.enums import ContactRole, OfficialRole, ResponsiblePartyType
from trialscout.model.trial import Contact, Trial
from trialscout.trialpage.provenance import Derived, Evidence

_MODULE = "protocolSection.contactsLocationsModule"
_SPONSORS = "protocolSection.sponsorCollaboratorsModule"

ROLE_WORDS = {
    OfficialRole.PRINCIPAL_INVESTIGATOR: "Principal Investigator",
    OfficialRole.SUB_INVESTIGATOR: "Sub-Investigator",
    OfficialRole.STUDY_DIRECTOR: "Study Director",
    OfficialRole.STUDY_CHAIR: "Study Chair",
}
CONTACT_ROLE_WORDS = {
    ContactRole.CONTACT: "Contact",
    ContactRole.BACKUP: "Backup contact",
    ContactRole.PRINCIPAL_INVESTIGATOR: "Principal Investigator",
    ContactRole.SUB_INVESTIGATOR: "Sub-Investigator",
    ContactRole.STUDY_DIRECTOR: "Study Director",
    ContactRole.STUDY_CHAIR: "Study Chair",
}
PARTY_WORDS = {
    ResponsiblePartyType.SPONSOR: "The sponsor",
    ResponsiblePartyType.PRINCIPAL_INVESTIGATOR: "The principal investigator",
    ResponsiblePartyType.SPONSOR_INVESTIGATOR: "The sponsor-investigator",
}
_INVESTIGATOR_ROLES = frozenset(
    {
        ContactRole.PRINCIPAL_INVESTIGATOR,
        ContactRole.SUB_INVESTIGATOR,
        ContactRole.STUDY_DIRECTOR,
        ContactRole.STUDY_CHAIR,
    }
)
ROLE_RULE = "The official's role as the registry gives it, in words; never relabelled."


class Official(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    role: str | None  # "Study Director"; None where the registry gives no role
    affiliation: str | None
    derived: Derived


class TeamContact(msgspec.Struct, frozen=True, kw_only=True):
    name: str | None
    role: str | None
    phone: str | None
    email: str | None
    derived: Derived


class Responsible(msgspec.Struct, frozen=True, kw_only=True):
    """Who answers for the registry record: the sponsor or a named investigator."""

    words: str  # "The sponsor", "The principal investigator: Jane Doe, MD (Some Hospital)"
    derived: Derived


class ResearchTeam(msgspec.Struct, frozen=True, kw_only=True):
    officials: tuple[Official, ...]
    responsible_party: Responsible | None
    central_contacts: tuple[TeamContact, ...]
    site_investigators: int  # named at the sites, counted over every site of the record
    site_contacts: int
    sites_with_people: int  # the sites that name an investigator or a contact
    derived: Derived


def research_team(trial: Trial) -> ResearchTeam:
    """The team of `trial` as its record registers it."""
    officials = tuple(
        Official(
            name=p.name,
            role=ROLE_WORDS[p.role] if p.role is not None else None,
            affiliation=p.affiliation,
            derived=Derived(
                rule=ROLE_RULE,
                evidence=(
                    Evidence(field=f"{_MODULE}.overallOfficials[{n}].name", words=p.name),
                    Evidence(
                        field=f"{_MODULE}.overallOfficials[{n}].role",
                        words=p.role.value if p.role is not None else "(not given)",
                    ),
                ),
            ),
        )
        for n, p in enumerate(trial.overall_officials)
        if p.name
    )
    contacts = tuple(
        _contact(c, f"{_MODULE}.centralContacts[{n}]") for n, c in enumerate(trial.central_contacts)
    )
    # API v2 lists a site's investigators among its contacts, with an investigator's role.
    people = [c for s in trial.locations for c in s.contacts]
    investigators = sum(len(s.investigators) for s in trial.locations)
    investigators += sum(c.role in _INVESTIGATOR_ROLES for c in people)
    site_contacts = sum(c.role not in _INVESTIGATOR_ROLES for c in people)
    with_people = sum(bool(s.investigators or s.contacts) for s in trial.locations)
    return ResearchTeam(
        officials=officials,
        responsible_party=_responsible(trial),
        central_contacts=contacts,
        site_investigators=investigators,
        site_contacts=site_contacts,
        sites_with_people=with_people,
        derived=Derived(
            rule="Site investigators (a site's investigators, and its contacts with an investigator's "
            "role) and other site contacts, counted over every site the record lists.",
            evidence=(
                Evidence(
                    field=f"{_MODULE}.locations",
                    words=f"{len(trial.locations)} sites, {with_people} naming someone",
                ),
            ),
        ),
    )


def _contact(contact: Contact, field: str) -> TeamContact:
    evidence = [Evidence(field=f"{field}.name", words=contact.name or "(not given)")]
    if contact.role is not None:
        evidence.append(Evidence(field=f"{field}.role", words=contact.role.value))
    phone = contact.phone
    if phone and contact.phone_ext:
        phone = f"{phone} ext. {contact.phone_ext}"
    return TeamContact(
        name=contact.name,
        role=CONTACT_ROLE_WORDS[contact.role] if contact.role is not None else None,
        phone=phone,
        email=contact.email,
        derived=Derived(rule="The central contact as registered.", evidence=tuple(evidence)),
    )


def _responsible(trial: Trial) -> Responsible | None:
    party = trial.responsible_party
    if party is None:
        return None
    field = f"{_SPONSORS}.responsibleParty"
    evidence = []
    if party.type is not None:
        evidence.append(Evidence(field=f"{field}.type", words=party.type.value))
    person = party.investigator_name or party.name_title
    if party.investigator_name:
        evidence.append(Evidence(field=f"{field}.investigatorFullName", words=party.investigator_name))
    elif party.name_title:
        evidence.append(Evidence(field=f"{field}.oldNameTitle", words=party.name_title))
    if party.type is ResponsiblePartyType.SPONSOR:
        sponsor = trial.lead_sponsor.name if trial.lead_sponsor is not None else None
        words = f"The sponsor ({sponsor})" if sponsor else "The sponsor"
        if sponsor:
            evidence.append(Evidence(field=f"{_SPONSORS}.leadSponsor.name", words=sponsor))
    elif party.type is not None:
        words = PARTY_WORDS[party.type]
        if person:
            words += f": {person}"
        details = [d for d in (party.investigator_title, party.investigator_affiliation) if d]
        if details:
            words += f" ({', '.join(details)})"
            if party.investigator_affiliation:
                evidence.append(
                    Evidence(field=f"{field}.investigatorAffiliation", words=party.investigator_affiliation)
                )
    elif person or party.organization:
        words = ", ".join(w for w in (person, party.organization) if w)
        if party.organization:
            evidence.append(Evidence(field=f"{field}.oldOrganization", words=party.organization))
    else:
        return None
    return Responsible(
        words=words,
        derived=Derived(rule="The responsible party as registered.", evidence=tuple(evidence)),
    )
