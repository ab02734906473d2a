"""The statistical classifier: TF-IDF word and character n-grams plus the rules'
keyword scores (`features`), a linear SVM, and sigmoid calibration so its scores are
probabilities a threshold can be set on.

A trained model is a folder of two files:

    model.joblib   the scikit-learn pipeline
    model.json     format version, labels, scikit-learn version, training metrics,
                   sha256 of the training data and of model.joblib

`load_model` reads model.json first and refuses, before unpickling anything, a model
whose joblib file does not hash to what the metadata says (a swapped or damaged file:
unpickling runs code), whose format or scikit-learn version differs from this
toolkit's (a pipeline pickled by another version may load and then predict wrongly),
or whose labels are not categories this toolkit knows.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bots.mail.understand.categories import CATEGORIES
from bots.mail.understand.config import load_rules
from bots.mail.understand.dataset import Example, data_sha256
from bots.mail.understand.rules import Keywords

FORMAT = 2  # 2: the pipeline reads (subject, text, language) and scores the rules' keywords
MODEL_FILE, META_FILE = "model.joblib", "model.json"
MIN_PER_LABEL = 3  # calibration needs a few examples of every label in every fold


class ModelError(ValueError):
    """No usable model at the path (missing, damaged, not a model of this toolkit)."""


class ModelMismatch(ModelError):
    """The model was made by another format or scikit-learn version, or for unknown labels."""


def _pipeline(folds: Any, keywords: Keywords | None) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.svm import LinearSVC

    from bots.mail.understand.features import KeywordFeatures, char_texts, word_texts

    parts: list[tuple[str, Any]] = [
        ("words", make_pipeline(FunctionTransformer(word_texts), TfidfVectorizer(
            analyzer="word", ngram_range=(1, 2), min_df=1, sublinear_tf=True,
            token_pattern=r"(?u)\b\w\w+\b"))),
        ("chars", make_pipeline(FunctionTransformer(char_texts), TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True))),
    ]
    if keywords:
        parts.append(("keywords", KeywordFeatures(keywords)))
    classifier = CalibratedClassifierCV(LinearSVC(C=0.1, class_weight="balanced"), method="sigmoid",
                                        cv=folds)
    return Pipeline([("features", FeatureUnion(parts)), ("classifier", classifier)])


def _mails(examples: list[Example]) -> list[tuple[str, str, str]]:
    return [(e.subject, e.text, e.language) for e in examples]


@dataclass(frozen=True)
class MailModel:
    pipeline: Any
    meta: dict[str, Any]

    @property
    def labels(self) -> list[str]:
        return list(self.meta["labels"])

    def probabilities(self, subject: str, text: str, language: str) -> dict[str, float]:
        return self.probabilities_many([(subject, text, language)])[0]

    def probabilities_many(self, mails: list[tuple[str, str, str]]) -> list[dict[str, float]]:
        """One call for many mails: scikit-learn's cost is mostly per call, not per mail."""
        import sklearn

        if not mails:
            return []
        # the inputs are our own strings: the checks for NaN and bad parameters only cost
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            rows = self.pipeline.predict_proba(mails)
        classes = [str(c) for c in self.pipeline.classes_]
        result = []
        for row in rows:
            found = dict(zip(classes, (float(p) for p in row), strict=True))
            result.append({name: found.get(name, 0.0) for name in CATEGORIES})
        return result

    def predict(self, examples: list[Example]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(_mails(examples))]


def train(examples: list[Example], *, holdout: float = 0.2, seed: int = 0,
          keywords: Keywords | None = None) -> MailModel:
    """Fit on `examples`; the metrics are those of a stratified held-out part, then the
    model is refitted on everything. `keywords`: the rules' keyword patterns the model
    learns to weigh (None: the packaged rules')."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split

    counts = Counter(e.category for e in examples)
    thin = sorted(label for label, n in counts.items() if n < MIN_PER_LABEL)
    if len(counts) < 2 or thin:
        raise ValueError(f"too little labelled mail to train: need {MIN_PER_LABEL}+ examples of at"
                         f" least two categories; too few of: {thin or sorted(counts)}")
    if keywords is None:
        keywords = load_rules().classify.keywords
    texts = _mails(examples)
    labels = [e.category for e in examples]
    folds = min(3, min(counts.values()))
    metrics: dict[str, Any] = {"examples": len(examples), "per_label": dict(sorted(counts.items()))}
    if min(counts.values()) >= 2 * folds and len(examples) * holdout >= len(counts):
        fit_x, test_x, fit_y, test_y = train_test_split(texts, labels, test_size=holdout,
                                                        stratify=labels, random_state=seed)
        check = _fit(fit_x, fit_y, folds, keywords, seed)
        predicted = check.predict(test_x)
        metrics["holdout_macro_f1"] = round(float(f1_score(test_y, predicted, average="macro")), 4)
        metrics["holdout_examples"] = len(test_y)
    pipeline = _fit(texts, labels, folds, keywords, seed)
    return MailModel(pipeline, {"labels": sorted(counts), "metrics": metrics})


def _fit(mails: list[tuple[str, str, str]], labels: list[str], folds: int,
         keywords: Keywords | None, seed: int) -> Any:
    """Fit on each mail and on its body alone (subject blanked): customers' subjects are
    often empty or say nothing ("Re: consulta", "Hello"), and a model that learnt mostly
    from subjects is unsure of the rest (measured on the demo corpus's test style: 12 % of
    the mail sent to review without the copies, 7.5 % with them, as accurate). A mail and its copy
    stay in the same calibration fold, so the calibration never scores a mail whose twin
    it was fitted on (that would make it overconfident)."""
    from sklearn.model_selection import StratifiedGroupKFold

    widened = [*mails, *(("", text, language) for subject, text, language in mails)]
    widened_labels = [*labels, *labels]
    groups = [*range(len(mails)), *range(len(mails))]
    splits = list(StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
                  .split(widened, widened_labels, groups))
    return _pipeline(splits, keywords).fit(widened, widened_labels)


def save_model(model: MailModel, folder: Path, *, data_sha256_: str, sources: list[str]) -> Path:
    """Write the model folder whole or not at all (a temp folder renamed into place)."""
    import joblib
    import sklearn

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".model-", dir=folder.parent))
    try:
        joblib.dump(model.pipeline, staging / MODEL_FILE)
        meta = {
            "format": FORMAT,
            "sklearn": sklearn.__version__,
            "labels": model.labels,
            "metrics": model.meta.get("metrics", {}),
            "data_sha256": data_sha256_,
            "sources": sources,
            "model_sha256": _sha256(staging / MODEL_FILE),
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (staging / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return folder


def read_meta(folder: Path) -> dict[str, Any]:
    meta_path = Path(folder) / META_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{folder}: no trained model here (no {META_FILE}); "
                         "train one with `runner.py mail train`") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelError(f"{meta_path}: not model metadata ({error})") from None
    if not isinstance(meta, dict):
        raise ModelError(f"{meta_path}: not model metadata")
    return meta


def load_model(folder: Path, *, expect_data_sha256: str | None = None) -> MailModel:
    import joblib
    import sklearn

    folder = Path(folder)
    meta = read_meta(folder)
    retrain = "; retrain it with `runner.py mail train`"
    if meta.get("format") != FORMAT:
        raise ModelMismatch(f"{folder}: model format {meta.get('format')!r}, this toolkit reads "
                            f"format {FORMAT}{retrain}")
    if meta.get("sklearn") != sklearn.__version__:
        raise ModelMismatch(f"{folder}: model made with scikit-learn {meta.get('sklearn')}, this "
                            f"toolkit runs {sklearn.__version__}{retrain}")
    labels = meta.get("labels")
    unknown = sorted(set(labels or []) - set(CATEGORIES)) if isinstance(labels, list) else ["?"]
    if not labels or unknown:
        raise ModelMismatch(f"{folder}: model labels {unknown or labels} are not categories of this "
                            f"toolkit ({', '.join(CATEGORIES)}){retrain}")
    if expect_data_sha256 is not None and meta.get("data_sha256") != expect_data_sha256:
        raise ModelMismatch(f"{folder}: model trained on data {meta.get('data_sha256')}, expected "
                            f"{expect_data_sha256}")
    model_path = folder / MODEL_FILE
    if not model_path.exists():
        raise ModelError(f"{folder}: {MODEL_FILE} is missing")
    if _sha256(model_path) != meta.get("model_sha256"):
        raise ModelError(f"{model_path}: its sha256 is not the one in {META_FILE}; the file was "
                         "replaced or damaged, so it is not loaded")
    pipeline = joblib.load(model_path)
    if sorted(str(c) for c in pipeline.classes_) != sorted(labels):
        raise ModelMismatch(f"{folder}: the pipeline's labels differ from {META_FILE}'s")
    return MailModel(pipeline, meta)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = ["MailModel", "ModelError", "ModelMismatch", "data_sha256", "load_model", "save_model", "train"]
