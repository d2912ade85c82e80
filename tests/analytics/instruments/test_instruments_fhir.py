"""FHIR R4 Questionnaire export/import details."""

from __future__ import annotations

import copy

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from concord.analytics.instruments import (
    InstrumentSpecError,
    from_questionnaire,
    get_instrument,
    register_instrument,
    score_response,
    to_questionnaire,
    unregister_instrument,
)
from concord.analytics.instruments.fhir import ITEM_WEIGHT, ORDINAL_VALUE


def test_phq9_questionnaire_carries_text_and_ordinal_values() -> None:
    resource = to_questionnaire(get_instrument("phq9"))
    Questionnaire.model_validate(resource)
    assert resource["language"] == "en"
    first = resource["item"][0]
    assert first["linkId"] == "q1" and first["text"].startswith("Little interest")
    options = first["answerOption"]
    assert [o["extension"][0]["url"] for o in options] == [ORDINAL_VALUE] * 4
    assert [o["extension"][0]["valueDecimal"] for o in options] == [0, 1, 2, 3]
    assert options[3]["valueCoding"]["display"] == "Nearly every day"


def test_restricted_questionnaire_has_no_wording() -> None:
    resource = to_questionnaire(get_instrument("waisr"))
    assert "language" not in resource and "description" not in resource
    for item in resource["item"]:
        assert "text" not in item
        assert all("display" not in o["valueCoding"] for o in item["answerOption"])
    assert resource["item"][0]["prefix"] == "1"


def test_restricted_wording_is_dropped_on_import() -> None:
    resource = copy.deepcopy(to_questionnaire(get_instrument("mars5")))
    resource["item"][0]["text"] = "licensed wording pasted by a site"
    instrument = from_questionnaire(resource)
    assert instrument.item("q1").text is None


def test_site_defined_questionnaire_with_item_weight() -> None:
    resource = {
        "resourceType": "Questionnaire",
        "id": "sleep-check",
        "status": "active",
        "title": "Sleep check",
        "item": [
            {
                "linkId": f"s{n}",
                "type": "choice",
                "text": f"Sleep question {n}",
                "answerOption": [
                    {
                        "valueCoding": {"code": code, "display": code},
                        "extension": [{"url": ITEM_WEIGHT, "valueDecimal": weight}],
                    }
                    for code, weight in (("never", 0), ("sometimes", 1), ("often", 2))
                ],
            }
            for n in (1, 2)
        ],
    }
    instrument = from_questionnaire(resource)
    assert instrument.code == "sleepcheck"
    assert instrument.licence.status == "public_domain"
    # 2 + 1 = 3
    assert score_response(instrument, {"s1": 2, "s2": 1}).scale("total").value == 3.0
    register_instrument(instrument)
    try:
        assert get_instrument("sleep-check") is instrument
        with pytest.raises(InstrumentSpecError, match="already registered"):
            register_instrument(instrument)
    finally:
        unregister_instrument("sleepcheck")


def test_invalid_questionnaire_errors_name_resource_and_item() -> None:
    with pytest.raises(InstrumentSpecError, match="Questionnaire/x: Questionnaire: invalid FHIR"):
        from_questionnaire(
            {"resourceType": "Questionnaire", "id": "x", "item": [{"type": "choice"}]}
        )
    numeric = {
        "resourceType": "Questionnaire",
        "id": "y",
        "status": "active",
        "item": [{"linkId": "n1", "type": "integer"}],
    }
    with pytest.raises(InstrumentSpecError, match=r"linkId 'n1'.*minValue"):
        from_questionnaire(numeric)
    with pytest.raises(InstrumentSpecError, match="resourceType"):
        from_questionnaire({"resourceType": "Patient", "id": "p"})
