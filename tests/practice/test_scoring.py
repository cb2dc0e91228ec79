"""The grading rules against expectations computed by hand (see practice.scoring)."""

from __future__ import annotations

import pytest

from practice import scoring


def test_accuracy_counts_an_item_right_only_when_the_label_sets_are_equal():
    pairs = [
        ({"labels": ["猫"]}, {"labels": ["猫"]}),  # right
        ({"labels": ["狗"]}, {"labels": ["猫"]}),  # wrong
        (None, {"labels": ["狗"]}),  # not answered
        ({"labels": ["猫", "狗"]}, {"labels": ["狗", "猫"]}),  # multi-label, same set: right
        ({"labels": ["猫"]}, {"labels": ["狗", "猫"]}),  # one label missing: wrong
    ]
    assert scoring.accuracy(pairs) == pytest.approx(2 / 5)
    assert scoring.accuracy([]) == 0.0


def test_confusion_pairs_each_gold_label_with_the_answer():
    pairs = [
        ({"labels": ["猫"]}, {"labels": ["猫"]}),
        ({"labels": ["狗"]}, {"labels": ["猫"]}),
        ({"labels": ["狗"]}, {"labels": ["猫"]}),
        (None, {"labels": ["狗"]}),
        ({"labels": ["狗"]}, {"labels": ["狗"]}),
    ]
    assert dict(scoring.confusion(pairs)) == {
        ("猫", "猫"): 1,
        ("猫", "狗"): 2,
        ("狗", ""): 1,
        ("狗", "狗"): 1,
    }


# 农夫山泉矿泉水550ml: 品牌 0–4 (农夫山泉), 品名 4–7 (矿泉水), 规格 7–12 (550ml)
GOLD_SPANS = {"spans": [[0, 4, "品牌"], [4, 7, "品名"], [7, 12, "规格"]]}


def test_span_f1_counts_only_exact_spans_as_true_positives():
    answer = {"spans": [[0, 4, "品牌"], [4, 6, "品名"], [7, 12, "品牌"]]}
    # 1 exact (品牌); 矿泉 is too short; 550ml has the wrong label. P = 1/3, R = 1/3, F1 = 1/3.
    result = scoring.span_exact([(answer, GOLD_SPANS)])
    assert (result.true_positives, result.predicted, result.gold) == (1, 3, 3)
    assert result.precision == pytest.approx(1 / 3)
    assert result.recall == pytest.approx(1 / 3)
    assert result.f1 == pytest.approx(1 / 3)


def test_span_overlap_f1_gives_partial_credit_per_character_and_label():
    answer = {"spans": [[0, 4, "品牌"], [4, 6, "品名"], [7, 12, "品牌"]]}
    # tagged characters: 品牌 4 + 品名 2 + 品牌 5 = 11; gold characters 4 + 3 + 5 = 12;
    # both: 品牌 0–4 (4) + 品名 4–6 (2) = 6 → P = 6/11, R = 6/12, F1 = 12/23.
    result = scoring.span_overlap([(answer, GOLD_SPANS)])
    assert (result.true_positives, result.predicted, result.gold) == (6, 11, 12)
    assert result.f1 == pytest.approx(12 / 23)


def test_span_f1_is_micro_averaged_over_items():
    first = ({"spans": [[0, 4, "品牌"]]}, {"spans": [[0, 4, "品牌"], [5, 8, "规格"]]})  # tp 1, pred 1, gold 2
    second = (
        {"spans": [[0, 2, "品名"], [3, 5, "规格"]]},
        {"spans": [[0, 2, "品名"]]},
    )  # tp 1, pred 2, gold 1
    result = scoring.span_exact([first, second])
    assert result.f1 == pytest.approx(2 * 2 / (3 + 3))
    assert scoring.span_exact([(None, {"spans": []})]).f1 == 1.0


def test_iou_of_two_boxes_by_hand():
    # Intersection 0.15 × 0.2 = 0.03; union 0.04 + 0.04 − 0.03 = 0.05 → 0.6.
    assert scoring.iou([0.1, 0.1, 0.2, 0.2], [0.15, 0.1, 0.2, 0.2]) == pytest.approx(0.6)
    assert scoring.iou([0.0, 0.0, 0.1, 0.1], [0.5, 0.5, 0.1, 0.1]) == 0.0
    assert scoring.iou([0.0, 0.0, 0.5, 0.5], [0.0, 0.0, 0.5, 0.5]) == pytest.approx(1.0)


GOLD_BOXES = {"boxes": [[0.1, 0.1, 0.2, 0.2, "车辆"], [0.6, 0.6, 0.2, 0.2, "行人"]]}
DRAWN = {"boxes": [[0.15, 0.1, 0.2, 0.2, "车辆"], [0.6, 0.6, 0.2, 0.2, "车辆"]]}  # second: wrong label


def test_a_box_is_a_hit_only_at_or_above_the_threshold():
    at_half = scoring.box_match(DRAWN, GOLD_BOXES, threshold=0.5)
    assert (at_half.gold, at_half.drawn, at_half.hits) == (2, 2, 1)
    assert at_half.mean_iou == pytest.approx(0.6 / 2)  # the 行人 box is unmatched: 0
    assert at_half.hit_rate == pytest.approx(0.5)
    assert at_half.f1 == pytest.approx(2 * 1 / 4)
    assert scoring.box_match(DRAWN, GOLD_BOXES, threshold=0.6).hits == 1  # equal to the threshold
    at_seventy = scoring.box_match(DRAWN, GOLD_BOXES, threshold=0.7)
    assert at_seventy.hits == 0 and at_seventy.mean_iou == pytest.approx(0.3)


def test_boxes_are_matched_one_to_one_best_overlap_first():
    gold = {"boxes": [[0.0, 0.0, 0.4, 0.4, "车辆"], [0.3, 0.0, 0.4, 0.4, "车辆"]]}
    # One drawn box equal to the second gold box, one halfway: the exact pair is taken first.
    drawn = {"boxes": [[0.15, 0.0, 0.4, 0.4, "车辆"], [0.3, 0.0, 0.4, 0.4, "车辆"]]}
    result = scoring.box_match(drawn, gold, threshold=0.5)
    # Left over: drawn 0 with gold 0, intersection 0.25 × 0.4 = 0.1, union 0.32 − 0.1 = 0.22.
    assert sorted((i, j) for i, j, _iou in result.matches) == [(0, 0), (1, 1)]
    assert result.iou_sum == pytest.approx(1.0 + 0.1 / 0.22)
    assert result.hits == 1  # 0.4545 < 0.5
    # Extra boxes lower the score: three drawn boxes for one gold box.
    extra = scoring.box_match(
        {"boxes": [[0, 0, 0.4, 0.4, "车辆"]] * 3}, {"boxes": [[0, 0, 0.4, 0.4, "车辆"]]}, threshold=0.5
    )
    assert extra.hits == 1 and extra.f1 == pytest.approx(2 / 4)


def test_run_score_for_boxes_collects_the_metrics():
    result = scoring.run_score("bbox", [(DRAWN, GOLD_BOXES)], threshold=0.5)
    assert result.score == pytest.approx(0.5)
    assert result.metrics["mean_iou"] == pytest.approx(0.3)
    assert result.metrics["hit_rate"] == pytest.approx(0.5)


def test_items_per_minute_and_a_floor_for_instant_runs():
    assert scoring.items_per_minute(30, 120) == pytest.approx(15)
    assert scoring.items_per_minute(5, 1) == pytest.approx(30)  # counted as 10 seconds
