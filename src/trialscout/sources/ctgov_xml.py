"""Legacy ClinicalTrials.gov `<clinical_study>` XML -> `Trial`.

The format of the retired AllPublicXML download (public.xsd, 2017-2023 layout), including the
few older elements still found in archives (`firstreceived_date`, `lastchanged_date`).
"""

from __future__ import annotations

import re
from typing import Any, cast

from lxml import etree

from trialscout.errors import RecordError
from trialscout.model.enums import (
    AgencyClass,
    Allocation,
    ArmGroupType,
    ContactRole,
    DateType,
    InterventionModel,
    InterventionType,
    Masking,
    OfficialRole,
    OverallStatus,
    PrimaryPurpose,
    ResponsiblePartyType,
    Sex,
    SourceFormat,
    StudyType,
    WhoMasked,
    normalise_token,
    parse_enum,
    phases_from_text,
)
from trialscout.model.nct import is_nct_id
from trialscout.model.trial import (
    ArmGroup,
    Contact,
    Design,
    Eligibility,
    Enrollment,
    Intervention,
    MeshTerm,
    Organization,
    Outcome,
    Person,
    Reference,
    RegistryDate,
    ResponsibleParty,
    SecondaryId,
    Site,
    SourceInfo,
    Trial,
)
from trialscout.sources.values import (
    age_in_years,
    enrollment_count,
    iso_date,
    registry_date,
    text_block,
    yes_no,
)

Element = etree._Element

#: Comments and processing instructions are dropped while parsing (the text around one joins
#: up, as if it were not there): every registry record opens with a comment inside the root.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True, remove_pis=True
)


class _Nothing:
    """A parser target without callbacks: parsing with it builds nothing, it only checks that
    the document is well-formed (in a third of the time a tree takes)."""

    def close(self) -> None:
        return None


# The stubs ask a target for every callback; lacking them is the point (cast).
_WELL_FORMED = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=True, target=cast(Any, _Nothing())
)
_DOWNLOAD_DATE = re.compile(r"processed this data on (.+)$")
_MASKING = re.compile(r"^\s*([^(]+?)\s*(?:\((.*)\))?\s*$")
#: An entity reference other than the five XML defines and a character reference: one the
#: parser may leave unresolved, as a node of its own.
_UNRESOLVED_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_RESULTS_START = b"<clinical_results>"
_RESULTS_END = b"</clinical_results>"
_NO_RESULTS = b"<clinical_results/>"


def parse_xml(data: bytes) -> Element:
    """Parse bytes into an element tree; malformed XML becomes a RecordError.

    Entities are never expanded (no external files, no "billion laughs"). An entity reference
    the parser leaves unresolved (``&foo;`` in a record that names a DTD) is kept in the text as
    written, so "Study of &foo; in adults" stays whole instead of ending at the entity; a comment
    or processing instruction inside a text is dropped and the text around it joined.
    """
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise RecordError(f"malformed XML: {exc}") from exc
    if _UNRESOLVED_ENTITY.search(data) is not None:
        _join_entities(root)
    return root


def trial_from_xml_bytes(data: bytes) -> Trial:
    """The bytes of one `<clinical_study>` record -> Trial; RecordError if it is not one.

    The same trial as ``trial_from_xml(parse_xml(data))``, read faster: a results section
    (a quarter of the bytes of the registry's archive) is checked to be well-formed, then left
    out of the tree, since the model only says whether there is one.
    """
    cut = _without_results(data)
    if cut is data:
        return trial_from_xml(parse_xml(data))
    try:
        root = etree.fromstring(cut, _PARSER)
    except etree.XMLSyntaxError:
        return trial_from_xml(parse_xml(data))  # the error as the whole record gives it
    if _UNRESOLVED_ENTITY.search(cut) is not None:
        _join_entities(root)
    return trial_from_xml(root)


def _without_results(data: bytes) -> bytes:
    """``data`` with its one ``<clinical_results>`` section emptied, once that section is known
    to be well-formed on its own; ``data`` itself (the same object) where that cannot be told
    for certain: no section or more than one, an entity reference in it, a document that does
    not say UTF-8."""
    start = data.find(_RESULTS_START)
    if start < 0:
        return data
    end = data.find(_RESULTS_END, start)
    if (
        end < 0
        or data.find(b"<clinical_results", start + 1) != -1
        or data.find(b"</clinical_results", end + 1) != -1
    ):
        return data
    declared = _DECLARED_ENCODING.match(data)
    if declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return data
    end += len(_RESULTS_END)
    section = data[start:end]
    if _UNRESOLVED_ENTITY.search(section) is not None:
        return data
    try:
        etree.fromstring(section, _WELL_FORMED)
    except etree.XMLSyntaxError:
        return data
    return data[:start] + _NO_RESULTS + data[end:]


def _join_entities(root: Element) -> None:
    """Replace each unresolved entity node by its reference as written (``&foo;``), joining the
    text around it."""
    for node in list(root.iter(etree.Entity)):
        parent = node.getparent()
        if parent is None:
            continue
        written = (node.text or "") + (node.tail or "")
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + written
        else:
            parent.text = (parent.text or "") + written
        node.tail = None
        parent.remove(node)


def trial_from_xml(root: Element) -> Trial:
    """Map one `<clinical_study>` element to a Trial."""
    if root.tag != "clinical_study":
        raise RecordError(f"not a <clinical_study> record: the root element is <{root.tag}>")
    study = _Node(root)
    ids = study.node("id_info")
    nct_id = ids.text("nct_id") if ids else None
    if nct_id is None or not is_nct_id(nct_id):
        raise RecordError(f"missing or malformed NCT ID: {nct_id!r}")
    header = study.node("required_header")
    download_match = _DOWNLOAD_DATE.search((header.text("download_date") if header else None) or "")
    eligibility = study.node("eligibility")
    enrollment = study.node("enrollment")
    sponsors = study.node("sponsors")
    results_posted = study.date("results_first_posted") or study.date("firstreceived_results_date")
    interventions = [
        (i, i.text("intervention_type"), i.text("intervention_name") or "", i.texts("arm_group_label"))
        for i in study.nodes("intervention")
    ]
    source = study.text("source")

    return Trial(
        nct_id=nct_id,
        source=SourceInfo(
            format=SourceFormat.CTGOV_LEGACY_XML,
            version_date=iso_date(download_match.group(1)) if download_match else None,
        ),
        org_study_id=ids.text("org_study_id") if ids else None,
        secondary_ids=tuple(SecondaryId(id=t) for t in ids.texts("secondary_id")) if ids else (),
        nct_aliases=ids.texts("nct_alias") if ids else (),
        acronym=study.text("acronym"),
        brief_title=study.text("brief_title"),
        official_title=study.text("official_title"),
        organization=Organization(name=source) if source else None,
        overall_status=parse_enum(OverallStatus, study.text("overall_status")),
        last_known_status=parse_enum(OverallStatus, study.text("last_known_status")),
        why_stopped=study.text("why_stopped"),
        status_verified_date=iso_date(study.text("verification_date")),
        start_date=study.date("start_date"),
        primary_completion_date=study.date("primary_completion_date"),
        completion_date=study.date("completion_date"),
        first_submitted_date=iso_date(
            study.text("study_first_submitted") or study.text("firstreceived_date")
        ),
        first_posted_date=study.date("study_first_posted") or study.date("firstreceived_date"),
        last_update_submitted_date=iso_date(study.text("last_update_submitted")),
        last_update_posted_date=study.date("last_update_posted") or study.date("lastchanged_date"),
        results_first_posted_date=results_posted,
        has_results="clinical_results" in study.kids or results_posted is not None,
        has_expanded_access=yes_no(study.text("has_expanded_access")),
        study_type=parse_enum(StudyType, study.text("study_type")),
        phases=phases_from_text(study.text("phase")),
        enrollment=(
            Enrollment(
                count=enrollment_count(enrollment.el.text),
                type=parse_enum(DateType, enrollment.el.get("type")),
            )
            if enrollment is not None
            else None
        ),
        design=_design(study.node("study_design_info")),
        conditions=study.texts("condition"),
        keywords=study.texts("keyword"),
        condition_mesh_terms=_meshes(study.node("condition_browse")),
        intervention_mesh_terms=_meshes(study.node("intervention_browse")),
        arm_groups=tuple(
            ArmGroup(
                label=arm.text("arm_group_label") or "",
                type=parse_enum(ArmGroupType, arm.text("arm_group_type")),
                description=text_block(arm.raw("description")),
                intervention_names=_arm_interventions(interventions, arm.text("arm_group_label")),
            )
            for arm in study.nodes("arm_group")
        ),
        interventions=tuple(
            Intervention(
                name=name,
                type=parse_enum(InterventionType, kind),
                description=text_block(i.raw("description")),
                other_names=i.texts("other_name"),
                arm_group_labels=labels,
            )
            for i, kind, name, labels in interventions
        ),
        eligibility=_eligibility(eligibility) if eligibility is not None else None,
        lead_sponsor=_agency(sponsors.node("lead_sponsor")) if sponsors else None,
        collaborators=tuple(org for c in sponsors.nodes("collaborator") if (org := _agency(c)) is not None)
        if sponsors
        else (),
        responsible_party=_responsible_party(study.node("responsible_party")),
        overall_officials=tuple(_person(o) for o in study.nodes("overall_official")),
        central_contacts=tuple(
            _contact(c, role)
            for tag, role in (
                ("overall_contact", ContactRole.CONTACT),
                ("overall_contact_backup", ContactRole.BACKUP),
            )
            for c in study.nodes(tag)
        ),
        locations=tuple(_site(loc) for loc in study.kids.get("location", ())),
        brief_summary=_textblock(study.node("brief_summary")),
        detailed_description=_textblock(study.node("detailed_description")),
        primary_outcomes=_outcomes(study, "primary_outcome"),
        secondary_outcomes=_outcomes(study, "secondary_outcome"),
        other_outcomes=_outcomes(study, "other_outcome"),
        references=tuple(
            Reference(citation=r.text("citation"), pmid=r.text("PMID"), type=kind)
            for tag, kind in (("reference", "BACKGROUND"), ("results_reference", "RESULT"))
            for r in study.nodes(tag)
        ),
    )


class _Node:
    """An element with its children indexed by tag: one pass, then dictionary lookups."""

    __slots__ = ("el", "kids")

    def __init__(self, el: Element) -> None:
        self.el = el
        kids: dict[str, list[Element]] = {}
        for child in el.iterchildren(etree.Element):  # elements only: comments are skipped in C
            tag: str = child.tag
            if tag in kids:
                kids[tag].append(child)
            else:
                kids[tag] = [child]
        self.kids = kids

    def node(self, tag: str) -> _Node | None:
        found = self.kids.get(tag)
        return _Node(found[0]) if found else None

    def nodes(self, tag: str) -> list[_Node]:
        return [_Node(el) for el in self.kids.get(tag, ())]

    def raw(self, tag: str) -> str | None:
        found = self.kids.get(tag)
        return found[0].text if found else None

    def text(self, tag: str) -> str | None:
        found = self.kids.get(tag)
        if not found or found[0].text is None:
            return None
        return found[0].text.strip() or None

    def texts(self, tag: str) -> tuple[str, ...]:
        return tuple(t.strip() for el in self.kids.get(tag, ()) if (t := el.text) and t.strip())

    def date(self, tag: str) -> RegistryDate | None:
        found = self.kids.get(tag)
        if not found:
            return None
        return registry_date(found[0].text, found[0].get("type"))


def _textblock(node: _Node | None) -> str | None:
    return text_block(node.raw("textblock")) if node is not None else None


def _meshes(node: _Node | None) -> tuple[MeshTerm, ...]:
    return tuple(MeshTerm(term=t) for t in node.texts("mesh_term")) if node is not None else ()


def _agency(node: _Node | None) -> Organization | None:
    if node is None:
        return None
    name = node.text("agency")
    if name is None:
        return None
    return Organization(name=name, agency_class=parse_enum(AgencyClass, node.text("agency_class")))


def _arm_interventions(
    interventions: list[tuple[_Node, str | None, str, tuple[str, ...]]], label: str | None
) -> tuple[str, ...]:
    """Legacy XML links interventions to arms from the intervention side only (each
    intervention with its type, name and arm labels, read once)."""
    if label is None:
        return ()
    return tuple(
        f"{kind}: {name}" if kind else name for _, kind, name, labels in interventions if label in labels
    )


def _design(node: _Node | None) -> Design | None:
    if node is None:
        return None
    masking_text = node.text("masking")
    masking: Masking | None = None
    who: tuple[WhoMasked, ...] = ()
    if masking_text:
        match = _MASKING.match(masking_text)
        if match:
            words = match.group(1).split()
            kind = "NONE" if match.group(1).lower() in {"no masking", "open label", "none"} else words[0]
            masking = parse_enum(Masking, kind)
            if match.group(2):
                who = tuple(
                    w
                    for part in match.group(2).split(",")
                    if (w := parse_enum(WhoMasked, part.strip())) is not None
                )
    return Design(
        allocation=parse_enum(Allocation, node.text("allocation")),
        intervention_model=parse_enum(InterventionModel, node.text("intervention_model")),
        intervention_model_description=node.text("intervention_model_description"),
        primary_purpose=parse_enum(PrimaryPurpose, node.text("primary_purpose")),
        masking=masking,
        who_masked=who,
        masking_description=node.text("masking_description"),
        observational_model=_token(node.text("observational_model")),
        time_perspective=_token(node.text("time_perspective")),
    )


def _token(text: str | None) -> str | None:
    """'Case-Only' -> 'CASE_ONLY', the API v2 spelling of these open vocabularies."""
    if text is None:
        return None
    return normalise_token(text) or None


def _eligibility(node: _Node) -> Eligibility:
    minimum, maximum = node.text("minimum_age"), node.text("maximum_age")
    return Eligibility(
        criteria=_textblock(node.node("criteria")),
        minimum_age_years=age_in_years(minimum),
        maximum_age_years=age_in_years(maximum),
        minimum_age_text=minimum,
        maximum_age_text=maximum,
        sex=parse_enum(Sex, node.text("gender")),
        gender_based=yes_no(node.text("gender_based")),
        gender_description=node.text("gender_description"),
        healthy_volunteers=yes_no(node.text("healthy_volunteers")),
        study_population=_textblock(node.node("study_pop")),
        sampling_method=_token(node.text("sampling_method")),
    )


def _responsible_party(node: _Node | None) -> ResponsibleParty | None:
    if node is None:
        return None
    return ResponsibleParty(
        type=parse_enum(ResponsiblePartyType, node.text("responsible_party_type")),
        investigator_name=node.text("investigator_full_name"),
        investigator_title=node.text("investigator_title"),
        investigator_affiliation=node.text("investigator_affiliation"),
        name_title=node.text("name_title"),
        organization=node.text("organization"),
    )


def _person_name(node: _Node) -> str:
    parts = [node.text("first_name"), node.text("middle_name"), node.text("last_name")]
    name = " ".join(p for p in parts if p)
    degrees = node.text("degrees")
    return f"{name}, {degrees}" if degrees else name


def _person(node: _Node) -> Person:
    return Person(
        name=_person_name(node),
        role=parse_enum(OfficialRole, node.text("role")),
        affiliation=node.text("affiliation"),
    )


def _contact(node: _Node, role: ContactRole) -> Contact:
    return Contact(
        name=_person_name(node) or None,
        role=role,
        phone=node.text("phone"),
        phone_ext=node.text("phone_ext"),
        email=node.text("email"),
    )


def _site(el: Element) -> Site:
    # The hottest path of a load (a trial can list hundreds of sites): read children directly.
    facility_name = city = state = zip_code = country = status = None
    contacts: list[Contact] = []
    investigators: list[Person] = []
    for child in el.iterchildren(etree.Element):
        tag = child.tag
        if tag == "facility":
            for part in child:
                if part.tag == "name":
                    facility_name = _strip(part.text)
                elif part.tag == "address":
                    for line in part:
                        value = _strip(line.text)
                        if line.tag == "city":
                            city = value
                        elif line.tag == "state":
                            state = value
                        elif line.tag == "zip":
                            zip_code = value
                        elif line.tag == "country":
                            country = value
        elif tag == "status":
            status = _strip(child.text)
        elif tag == "contact":
            contacts.append(_contact(_Node(child), ContactRole.CONTACT))
        elif tag == "contact_backup":
            contacts.append(_contact(_Node(child), ContactRole.BACKUP))
        elif tag == "investigator":
            investigators.append(_person(_Node(child)))
    return Site(
        facility=facility_name,
        city=city,
        state=state,
        zip=zip_code,
        country=country,
        status=parse_enum(OverallStatus, status),
        contacts=tuple(contacts),
        investigators=tuple(investigators),
    )


def _strip(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip() or None


def _outcomes(study: _Node, tag: str) -> tuple[Outcome, ...]:
    return tuple(
        Outcome(
            measure=o.text("measure") or "",
            description=text_block(o.raw("description")),
            time_frame=o.text("time_frame"),
        )
        for o in study.nodes(tag)
    )
