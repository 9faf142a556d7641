"""What a loaded model knows, said where the user looks (``tempo detect``, ``tempo ground``, the demo).

The embedded detector and grounder were trained on tempo's synthetic benchmark: coloured shapes that move, grow,
blink, change colour. On real footage they still answer, with scores that look confident, about a world they never
saw ("a person walking" ranks clips at ~0.68; people walking come out as ``move_left``). A bundle says what it
was trained on (``trained_on``) and may list its query words (``vocabulary``); a bundle trained on ``tempo synth``
knows the synth classes and caption words (tempo/data/synth/vocab.py, captions.py).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

# Words that carry no content: a query may use them whatever the model was trained on.
FUNCTION_WORDS = frozenset(
    "a an the this that these those it its is are was be being been and or but of in on at to into onto from by "
    "with while then when where as there here some one s".split())
# Where to go for real footage (the README's "Real footage" section has the recipes).
GROUND_REAL = ("for real footage: a BAM-DETR trained on CLIP features of a local CLIP folder "
               "(configs/bam_detr/clip.py; official QVHighlights weights also read SlowFast features); "
               "README, 'Real footage'")
DETECT_REAL = ("for real actions: official TriDet weights with their features (tempo detect --checkpoint X.pth.tar "
               "--config configs/tridet/thumos14_i3d.py --features X.npy); README, 'Real footage'")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


@lru_cache(maxsize=1)
def synth_caption_words() -> frozenset:
    """Every word a ``tempo synth`` grounding query can hold (attributes, action phrases, sentence templates)."""
    from ..data.synth.captions import ACTION_PHRASES, SENTENCES
    from ..data.synth.vocab import COLOUR_WORDS, SHAPE_WORDS, SIZE_WORDS, TEXTURE_WORDS

    texts = [re.sub(r"\{\w+\}", " ", t) for t in SENTENCES]
    texts += [re.sub(r"\{\w+\}", " ", p) for phrases in ACTION_PHRASES.values() for p in phrases]
    for table in (COLOUR_WORDS, SHAPE_WORDS, SIZE_WORDS, TEXTURE_WORDS):
        texts += [w for words in table.values() for w in words]
    return frozenset(_words(" ".join(texts)))


def trained_on_synth(bundle: dict | None) -> bool:
    return "tempo synth" in str((bundle or {}).get("trained_on", ""))


def query_vocabulary(bundle: dict | None) -> frozenset | None:
    """The words a grounding bundle was trained on, or None when unknown (official or foreign weights)."""
    bundle = bundle or {}
    if bundle.get("vocabulary"):
        return frozenset(w for item in bundle["vocabulary"] for w in _words(str(item)))
    return synth_caption_words() if trained_on_synth(bundle) else None


def unknown_words(query: str, vocabulary) -> list[str]:
    """The query's content words outside ``vocabulary``, in order, each once."""
    seen: list[str] = []
    for word in _words(query):
        if word not in vocabulary and word not in FUNCTION_WORDS and word not in seen:
            seen.append(word)
    return seen


def grounder_summary(bundle: dict | None) -> str | None:
    """One line naming what the loaded grounder knows, or None when it is not tempo's synthetic model."""
    if not trained_on_synth(bundle):
        return None
    from ..data.synth.vocab import COLOUR_WORDS, SHAPE_WORDS

    return (f"the embedded grounder knows tempo's synthetic scenes only: shapes ({', '.join(SHAPE_WORDS)}), "
            f"colours ({', '.join(COLOUR_WORDS)}), sizes, textures and 13 actions (moves, grows, spins, blinks, "
            f"...); on real footage its scores mean nothing ({GROUND_REAL})")


def query_note(queries, bundle: dict | None, max_words: int = 12) -> str | None:
    """One line for stderr when a query (or any of a list of queries) asks for words the grounder never saw;
    None when every word is known or the grounder's vocabulary is not known."""
    vocabulary = query_vocabulary(bundle)
    if vocabulary is None:
        return None
    queries = [queries] if isinstance(queries, str) else list(queries)
    per_query = [unknown_words(q, vocabulary) for q in queries]
    unknown = list(dict.fromkeys(w for words in per_query for w in words))
    if not unknown:
        return None
    what = "the embedded grounder was trained on synthetic shapes" if trained_on_synth(bundle) else \
        "this grounder's bundle lists its vocabulary"
    where = "" if len(queries) == 1 else f" (in {sum(map(bool, per_query))} of {len(queries)} queries)"
    words = ", ".join(unknown[:max_words]) + (f", ... ({len(unknown)} words)" if len(unknown) > max_words else "")
    return f"note: {what}; these query words are outside its vocabulary{where}: {words} ({GROUND_REAL})"


def detector_summary(classes, bundle: dict | None) -> str | None:
    """One line naming the classes of a detector trained on tempo synth; None for other detectors."""
    if not trained_on_synth(bundle) or not classes:
        return None
    return (f"the embedded detector knows {len(classes)} synthetic actions of coloured shapes "
            f"({', '.join(classes)}); on real footage its labels mean nothing ({DETECT_REAL})")


def detector_note(classes, bundle: dict | None) -> str | None:
    summary = detector_summary(classes, bundle)
    return None if summary is None else f"note: {summary}"


def bundle_json(checkpoint, default: Path) -> dict | None:
    """The JSON beside a tempo bundle (only read here, for its ``trained_on``/``classes``/``vocabulary``; the
    model is built elsewhere, after its checks); None for official checkpoints or an unreadable file."""
    path = Path(checkpoint) if checkpoint else default
    cfg = path.with_name(path.stem + ".json")
    if path.suffix != ".safetensors" or not cfg.is_file():
        return None
    try:
        doc = json.loads(cfg.read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def knows(kind: str, checkpoint=None) -> str | None:
    """What the ``search`` or ``detect`` model at ``checkpoint`` (None: the embedded default) knows, in one line;
    None when it is not a model trained on tempo synth."""
    if kind == "search":
        from .ground import DEFAULT_GROUNDER

        return grounder_summary(bundle_json(checkpoint, DEFAULT_GROUNDER))
    from .detect import DEFAULT_DETECTOR

    bundle = bundle_json(checkpoint, DEFAULT_DETECTOR)
    return detector_summary((bundle or {}).get("classes"), bundle)
