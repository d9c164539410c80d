"""The loader's fast paths give what the plain paths give, on real records.

Each shortcut taken for load speed is checked against the straightforward way of reading the
same record: a user must not be able to tell which one stored a trial.
"""

from __future__ import annotations

import zipfile

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import XML_SLICE
from trialscout.errors import RecordError
from trialscout.sources.ctgov_xml import parse_xml, trial_from_xml, trial_from_xml_bytes
from trialscout.sources.values import text_block

ENCODE = msgspec.json.encode


def _slice_records(limit: int, *, with_results: bool) -> list[bytes]:
    found = []
    with zipfile.ZipFile(XML_SLICE) as archive:
        for name in archive.namelist():
            if not name.endswith(".xml"):
                continue
            data = archive.read(name)
            if (b"<clinical_results>" in data) == with_results:
                found.append(data)
                if len(found) == limit:
                    break
    return found


WITH_RESULTS = _slice_records(40, with_results=True)


@pytest.mark.parametrize("with_results", [True, False])
def test_a_record_reads_the_same_with_its_results_section_left_out(with_results: bool) -> None:
    records = WITH_RESULTS if with_results else _slice_records(40, with_results=False)
    assert len(records) == 40
    for data in records:
        whole = trial_from_xml(parse_xml(data))
        assert ENCODE(trial_from_xml_bytes(data)) == ENCODE(whole)
        assert whole.has_results is with_results or whole.results_first_posted_date is not None


def test_damage_inside_the_results_section_still_rejects_the_record_with_the_same_reason() -> None:
    data = WITH_RESULTS[0]
    start = data.index(b"<clinical_results>")
    broken = data[: start + 2000] + b"<unclosed>" + data[start + 2000 :]
    with pytest.raises(RecordError) as whole:
        parse_xml(broken)
    with pytest.raises(RecordError) as fast:
        trial_from_xml_bytes(broken)
    assert str(fast.value) == str(whole.value)
    assert str(fast.value).startswith("malformed XML")


def test_damage_outside_the_results_section_gives_the_whole_record_s_line_and_column() -> None:
    data = WITH_RESULTS[1]
    end = data.index(b"</clinical_results>")
    broken = data[: end + 40] + b"</nothing>" + data[end + 40 :]
    with pytest.raises(RecordError) as whole:
        parse_xml(broken)
    with pytest.raises(RecordError) as fast:
        trial_from_xml_bytes(broken)
    assert str(fast.value) == str(whole.value)


def test_an_unresolved_entity_inside_the_results_section_reads_like_the_whole_record() -> None:
    data = WITH_RESULTS[2]
    start = data.index(b"<clinical_results>") + len(b"<clinical_results>")
    named = b'<!DOCTYPE clinical_study SYSTEM "clinical_study.dtd">\n' + (
        data[:start] + b"<note>&unknown;</note>" + data[start:]
    )
    assert ENCODE(trial_from_xml_bytes(named)) == ENCODE(trial_from_xml(parse_xml(named)))


def _plain_text_block(text: str | None) -> str | None:
    """The obvious reading of a text block, as the loader did it before it was made faster."""
    if text is None:
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=None)
    if cut is None:
        return None
    return "\n".join(line[cut:].rstrip() for line in lines).strip("\n")


def test_real_text_blocks_read_as_the_plain_reading_gives() -> None:
    texts = [el.text for data in WITH_RESULTS[:20] for el in parse_xml(data).iter("textblock", "description")]
    assert len(texts) > 100
    for text in texts:
        assert text_block(text) == _plain_text_block(text)


# Every kind of whitespace str.strip knows, line breaks of three kinds, and a few letters.
_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u2029\u3000\u200b"


@given(st.text(alphabet=_SPACES + "ab\u00e9", max_size=40))
def test_any_text_block_reads_as_the_plain_reading_gives(text: str) -> None:
    assert text_block(text) == _plain_text_block(text)
