"""The labelled corpus: deterministic, two disjoint phrasings, noisy; a macro-F1 floor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import bots
from bots.mail.understand import CATEGORIES, evaluate
from demo.mail_corpus import (
    LANGUAGES,
    corpus,
    evaluation_sets,
    fresh_style,
    generate,
    hard_cases,
    test_style,
    train_style,
)


def sentences(module: object) -> set[str]:
    templates = module.TEMPLATES  # type: ignore[attr-defined]
    return {s for cell in templates.values() for lang in cell.values()
            for s in lang["subjects"] + lang["bodies"]}


def test_same_seed_same_corpus_other_seed_other_corpus() -> None:
    assert generate(3, 2, "train") == generate(3, 2, "train")
    assert generate(3, 2, "train") != generate(4, 2, "train")


def test_every_category_and_language_in_both_styles() -> None:
    train, test = corpus(seed=1, train_per_cell=3, test_per_cell=2)
    assert len(train) == 3 * 22 and len(test) == 2 * 22
    for part in (train, test):
        assert {(m.category, m.language) for m in part} == {(c, lang) for c in CATEGORIES for lang in LANGUAGES}
    assert tuple(train_style.TEMPLATES) == CATEGORIES == tuple(test_style.TEMPLATES)


def test_the_styles_share_no_template_greeting_or_closing() -> None:
    styles = (train_style, test_style, fresh_style)
    for n, one in enumerate(styles):
        for other in styles[n + 1:]:
            assert not sentences(one) & sentences(other)
            for language in LANGUAGES:
                for kind in ("GREETINGS", "CLOSINGS"):
                    shared = set(getattr(one, kind)[language]) & set(getattr(other, kind)[language])
                    assert shared <= {""}, (kind, shared)
    assert tuple(fresh_style.TEMPLATES) == CATEGORIES


def test_noise_is_there() -> None:
    train, _ = corpus(seed=2, train_per_cell=10, test_per_cell=1)
    texts = [m.text for m in train]
    assert any("> " in t or "Mensaje original" in t or "Original Message" in t for t in texts)
    assert any(m.subject.startswith(("Re: ", "RE: ", "RV: ", "Fwd: ", "Fw: ")) for m in train)
    assert any(t == t.lower() and re.search("[a-z]", t) for t in texts)
    assert any(re.search(r"\d\.\d{3},\d\d", t) for t in texts)  # 1.234,56
    assert any(re.search(r"\d,\d{3}\.\d\d", t) for t in texts)  # 1,234.56


def test_hard_cases_are_labelled_mail() -> None:
    cases = hard_cases(seed=0)
    assert len(cases) >= 12 and all(m.category in CATEGORIES and m.style == "hard" for m in cases)
    assert "{" not in "".join(m.subject + m.text for m in cases)


def test_macro_f1_on_held_out_phrasing_is_above_a_floor() -> None:
    # small corpus, so a low floor; benchmarks/mail_triage.py measures the full size
    sets = evaluation_sets(seed=0, train_per_cell=12, test_per_cell=4)
    result = evaluate(sets["train"], sets["test"], extra={"fresh": sets["fresh"]})
    assert (result["train"], result["test"], result["extra"]["fresh"]["mails"]) == (264, 88, 88)
    assert result["macro_f1"] >= 0.8, result
    assert set(result["per_category"]) == set(CATEGORIES)
    # what is not sent to a person is decided well, and not everything is sent
    assert 0 < result["review_share"] < 0.5 and result["accuracy_not_reviewed"] >= 0.9, result


def test_evaluate_refuses_an_empty_set() -> None:
    sets = evaluation_sets(seed=0, train_per_cell=3, test_per_cell=1)
    with pytest.raises(ValueError, match="labelled mail"):
        evaluate(sets["train"], [])


def test_the_toolkit_does_not_import_the_demo() -> None:
    # bots/ is the runtime: evaluation takes the labelled mail it is given
    for path in Path(bots.__file__).parent.rglob("*.py"):
        assert not re.search(r"^\s*(from|import) demo\b", path.read_text(encoding="utf-8"), re.M), path
