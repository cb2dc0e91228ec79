"""Grading against gold labels: pure functions, no database.

The rules, as a learner's result page states them:

- **Classification**: an item is right when the set of labels given equals the gold set (for a
  multi-label item every label must be there and no other). Accuracy = right items / items.
- **Spans**: a span is a true positive only when its start, end and label all equal a gold span's
  (exact match, as CoNLL scores named entities); precision, recall and F1 are micro-averaged over
  the items. The character-overlap F1 beside it gives partial credit: per label, the characters
  both tagged count as overlap; precision = overlap / characters tagged, recall = overlap /
  gold characters.
- **Boxes**: within an item, pairs of a drawn and a gold box with the same label are matched
  greedily by decreasing IoU (intersection over union), each box used once. A gold box is hit
  when its match reaches the item set's IoU threshold. Mean IoU is over the gold boxes (0 for one
  left unmatched); hit rate = hits / gold boxes; the score is the F1 of hits, so extra boxes lower
  it: 2·hits / (gold boxes + drawn boxes).
- **Jobs**: only the honeypot items (those with gold) are graded; the other answers are the work.
- **Speed**: items answered per minute from the start of the run to its submission.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

NO_ANSWER = ""


def _labels(value: dict | None) -> frozenset[str]:
    return frozenset((value or {}).get("labels") or [])


def class_correct(answer: dict | None, gold: dict) -> bool:
    return _labels(answer) == _labels(gold)


def accuracy(pairs: Iterable[tuple[dict | None, dict]]) -> float:
    """The share of (answer, gold) pairs whose label sets are equal; 0 for no pairs."""
    results = [class_correct(answer, gold) for answer, gold in pairs]
    return sum(results) / len(results) if results else 0.0


def confusion(pairs: Iterable[tuple[dict | None, dict]]) -> Counter[tuple[str, str]]:
    """How often each gold label was answered as each label: {(gold, given): count}. A missing
    answer counts as NO_ANSWER; for multi-label items each gold label missed is paired with each
    wrong label given (or NO_ANSWER), and each label given right with itself."""
    counts: Counter[tuple[str, str]] = Counter()
    for answer, gold in pairs:
        given, wanted = _labels(answer), _labels(gold)
        for label in wanted & given:
            counts[(label, label)] += 1
        wrong = sorted(given - wanted) or [NO_ANSWER]
        for label in sorted(wanted - given):
            for other in wrong:
                counts[(label, other)] += 1
    return counts


# --- spans ---------------------------------------------------------------------------------------


def _spans(value: dict | None) -> set[tuple[int, int, str]]:
    return {(int(start), int(end), str(label)) for start, end, label in (value or {}).get("spans") or []}


@dataclass(frozen=True)
class SpanScore:
    true_positives: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        total = self.predicted + self.gold
        if not total:
            return 1.0  # nothing to find and nothing found
        return 2 * self.true_positives / total


def span_exact(pairs: Iterable[tuple[dict | None, dict]]) -> SpanScore:
    tp = predicted = gold_count = 0
    for answer, gold in pairs:
        given, wanted = _spans(answer), _spans(gold)
        tp += len(given & wanted)
        predicted += len(given)
        gold_count += len(wanted)
    return SpanScore(tp, predicted, gold_count)


def _characters(spans: set[tuple[int, int, str]]) -> set[tuple[int, str]]:
    return {(position, label) for start, end, label in spans for position in range(start, end)}


def span_overlap(pairs: Iterable[tuple[dict | None, dict]]) -> SpanScore:
    """Character-level counts: each (position, label) tagged is one unit."""
    tp = predicted = gold_count = 0
    for answer, gold in pairs:
        given, wanted = _characters(_spans(answer)), _characters(_spans(gold))
        tp += len(given & wanted)
        predicted += len(given)
        gold_count += len(wanted)
    return SpanScore(tp, predicted, gold_count)


# --- boxes ---------------------------------------------------------------------------------------

Box = Sequence  # [x, y, w, h, label], fractions of the image


def iou(a: Box, b: Box) -> float:
    ax, ay, aw, ah = (float(v) for v in a[:4])
    bx, by, bw, bh = (float(v) for v in b[:4])
    width = min(ax + aw, bx + bw) - max(ax, bx)
    height = min(ay + ah, by + bh) - max(ay, by)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


@dataclass
class BoxScore:
    gold: int = 0
    drawn: int = 0
    hits: int = 0
    iou_sum: float = 0.0
    matches: list[tuple[int, int, float]] = field(default_factory=list)

    @property
    def mean_iou(self) -> float:
        return self.iou_sum / self.gold if self.gold else 0.0

    @property
    def hit_rate(self) -> float:
        return self.hits / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        total = self.gold + self.drawn
        return 2 * self.hits / total if total else 1.0

    def add(self, other: BoxScore) -> None:
        self.gold += other.gold
        self.drawn += other.drawn
        self.hits += other.hits
        self.iou_sum += other.iou_sum


def _boxes(value: dict | None) -> list[Box]:
    return list((value or {}).get("boxes") or [])


def box_match(answer: dict | None, gold: dict, *, threshold: float) -> BoxScore:
    """Greedy one-to-one matching of one item's boxes (same label only), best IoU first.
    ``matches`` holds (drawn index, gold index, IoU) for every pair matched with IoU > 0."""
    drawn, wanted = _boxes(answer), _boxes(gold)
    candidates = sorted(
        (
            (iou(box, target), i, j)
            for i, box in enumerate(drawn)
            for j, target in enumerate(wanted)
            if str(box[4]) == str(target[4])
        ),
        reverse=True,
    )
    used_drawn: set[int] = set()
    used_gold: set[int] = set()
    score = BoxScore(gold=len(wanted), drawn=len(drawn))
    for overlap, i, j in candidates:
        if overlap <= 0 or i in used_drawn or j in used_gold:
            continue
        used_drawn.add(i)
        used_gold.add(j)
        score.matches.append((i, j, overlap))
        score.iou_sum += overlap
        if overlap >= threshold:
            score.hits += 1
    return score


def boxes(pairs: Iterable[tuple[dict | None, dict]], *, threshold: float) -> BoxScore:
    total = BoxScore()
    for answer, gold in pairs:
        total.add(box_match(answer, gold, threshold=threshold))
    return total


# --- one item, one run ---------------------------------------------------------------------------


def item_score(task: str, answer: dict | None, gold: dict, *, threshold: float = 0.5) -> float:
    """One item's score (0–1) for its review line: right or wrong for a class, F1 for spans and
    boxes."""
    if task in ("image_class", "text_class"):
        return 1.0 if class_correct(answer, gold) else 0.0
    if task == "text_span":
        return span_exact([(answer, gold)]).f1
    return box_match(answer, gold, threshold=threshold).f1


@dataclass(frozen=True)
class RunScore:
    score: float  # 0–1: the main measure
    metrics: dict


def run_score(task: str, pairs: list[tuple[dict | None, dict]], *, threshold: float = 0.5) -> RunScore:
    """The run's main score and its metrics from the (answer, gold) pairs of its graded items
    (in a job: the honeypots only; the caller leaves the unlabelled items out)."""
    if task in ("image_class", "text_class"):
        value = accuracy(pairs)
        matrix = confusion(pairs)
        return RunScore(
            value,
            {
                "accuracy": value,
                "graded": len(pairs),
                "confusion": [[gold, given, count] for (gold, given), count in sorted(matrix.items())],
            },
        )
    if task == "text_span":
        exact, overlap = span_exact(pairs), span_overlap(pairs)
        return RunScore(
            exact.f1,
            {
                "f1": exact.f1,
                "precision": exact.precision,
                "recall": exact.recall,
                "overlap_f1": overlap.f1,
                "graded": len(pairs),
            },
        )
    total = boxes(pairs, threshold=threshold)
    return RunScore(
        total.f1,
        {
            "f1": total.f1,
            "mean_iou": total.mean_iou,
            "hit_rate": total.hit_rate,
            "threshold": threshold,
            "graded": len(pairs),
        },
    )


def items_per_minute(count: int, seconds: float) -> float:
    """Items per minute; a run shorter than 10 seconds counts as 10 seconds (a double click is not
    a world record)."""
    return count * 60 / max(seconds, 10.0)
