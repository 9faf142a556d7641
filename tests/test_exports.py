"""Detection exports: JSON, CSV, SRT, WebVTT and the timeline PNG."""
import csv
import json

import numpy as np
import pytest

from tempo.io.exports import (SUBTITLE_MAX_LABELS, SUBTITLE_MIN_SCORE, export_detections, subtitle_cues, write_csv,
                              write_json, write_srt, write_timeline_png, write_vtt)

DETS = [
    {"start": 65.5, "end": 3725.25, "label": "blink", "score": 0.5, "video": "a.mp4"},
    {"start": 1.0, "end": 2.5004, "label": "move_left", "score": 0.9123, "video": "a.mp4"},
    {"start": 1.0, "end": 4.0, "label": "grow", "score": 0.3, "video": "b.mp4"},
]


def test_json_round_trip(tmp_path):
    path = write_json(DETS, tmp_path / "d.json", video="a.mp4", fps=15.0)
    doc = json.loads(path.read_text())
    assert doc["video"] == "a.mp4" and doc["fps"] == 15.0
    assert [d["label"] for d in doc["detections"]] == ["blink", "move_left", "grow"]
    assert doc["detections"][1]["start"] == 1.0 and doc["detections"][1]["score"] == 0.9123


def test_csv_columns_and_rounding(tmp_path):
    rows = list(csv.DictReader(open(write_csv(DETS, tmp_path / "d.csv"))))
    assert list(rows[0]) == ["video", "start", "end", "label", "score"]
    assert rows[1] == {"video": "a.mp4", "start": "1.000", "end": "2.500", "label": "move_left", "score": "0.9123"}
    no_video = [{k: v for k, v in d.items() if k != "video"} for d in DETS]
    assert open(write_csv(no_video, tmp_path / "n.csv")).readline().strip() == "start,end,label,score"


def test_srt_cues_sorted_with_comma_times(tmp_path):
    text = write_srt(DETS, tmp_path / "d.srt").read_text()
    blocks = text.strip().split("\n\n")
    assert len(blocks) == 3
    # where two detections overlap, one cue names both, best first
    assert blocks[0].splitlines() == ["1", "00:00:01,000 --> 00:00:02,500", "move_left (0.91)", "grow (0.30)"]
    assert blocks[1].splitlines()[1:] == ["00:00:02,500 --> 00:00:04,000", "grow (0.30)"]
    assert blocks[2].splitlines()[1] == "00:01:05,500 --> 01:02:05,250"


def test_vtt_header_and_dot_times(tmp_path):
    text = write_vtt(DETS, tmp_path / "d.vtt").read_text()
    assert text.startswith("WEBVTT\n\n")
    assert "00:00:02.500 --> 00:00:04.000\ngrow (0.30)" in text
    assert "," not in text.split("\n\n", 1)[1].split("\n")[0]


def _many_overlapping(n=200, seed=0):
    rng = np.random.default_rng(seed)
    labels = ["move_left", "move_right", "grow", "shrink", "blink", "bounce", "appear"]
    starts = rng.uniform(0, 50, n)
    return [{"start": float(s), "end": float(s + rng.uniform(0.5, 10)), "label": labels[int(rng.integers(7))],
             "score": float(rng.uniform(0.01, 0.9))} for s in starts]


def _cue_times(block):
    start, end = block.splitlines()[1].split(" --> ")
    seconds = lambda t: sum(float(x) * m for x, m in zip(t.replace(",", ".").split(":"), (3600, 60, 1)))  # noqa: E731
    return seconds(start), seconds(end)


def test_subtitles_hold_confident_non_overlapping_cues_and_json_keeps_all(tmp_path):
    dets = _many_overlapping()
    blocks = write_srt(dets, tmp_path / "d.srt").read_text().strip().split("\n\n")
    times = [_cue_times(b) for b in blocks]
    assert all(s < e for s, e in times)
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(times, times[1:]))  # no two cues on screen at once
    lines = [line for b in blocks for line in b.splitlines()[2:]]
    assert all(1 <= len(b.splitlines()[2:]) <= SUBTITLE_MAX_LABELS for b in blocks)
    assert all(float(line.rsplit("(", 1)[1].rstrip(")")) >= SUBTITLE_MIN_SCORE for line in lines)
    assert len(blocks) < len(dets) / 2
    for b in blocks:  # each cue's labels are active over its whole span
        names = [line.rsplit(" (", 1)[0] for line in b.splitlines()[2:]]
        assert len(set(names)) == len(names)
    vtt = write_vtt(dets, tmp_path / "d.vtt").read_text()
    assert vtt.count(" --> ") == len(blocks)
    assert len(json.loads(write_json(dets, tmp_path / "d.json").read_text())["detections"]) == len(dets)
    assert len(list(csv.DictReader(open(write_csv(dets, tmp_path / "d.csv"))))) == len(dets)


def test_subtitle_cues_merge_same_labels_and_cap():
    dets = [{"start": 0.0, "end": 2.0, "label": "grow", "score": 0.5},
            {"start": 1.0, "end": 3.0, "label": "grow", "score": 0.8},  # the same label again: one cue
            {"start": 0.0, "end": 3.0, "label": "blink", "score": 0.1}]  # below the threshold: not shown
    assert subtitle_cues(dets) == [{"start": 0.0, "end": 3.0, "labels": [("grow", 0.8)]}]
    crowd = [{"start": 0.0, "end": 1.0, "label": f"c{i}", "score": 0.3 + i / 100} for i in range(6)]
    assert [label for label, _ in subtitle_cues(crowd)[0]["labels"]] == ["c5", "c4", "c3"]
    flicker = [{"start": 0.0, "end": 2.0, "label": "grow", "score": 0.5},
               {"start": 1.96, "end": 4.0, "label": "blink", "score": 0.4}]  # a 40 ms piece where both show
    cues = subtitle_cues(flicker)
    assert [(c["start"], c["end"]) for c in cues] == [(0.0, 2.0), (2.0, 4.0)]  # it joins the cue before it
    assert [label for label, _ in cues[0]["labels"]] == ["grow", "blink"]


def test_timeline_png_of_cjk_names_prints_no_glyph_warnings(tmp_path, capfd):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = write_timeline_png([{"start": 0.0, "end": 1.0, "label": "跳跃", "score": 0.9}], tmp_path / "t.png",
                                  title="視頻/クリップ.mp4")
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert not [w for w in caught if "Glyph" in str(w.message)]
    out, err = capfd.readouterr()
    assert "Glyph" not in out + err


def test_timeline_png(tmp_path):
    path = write_timeline_png(DETS, tmp_path / "t.png", duration=4000.0, title="demo")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    assert write_timeline_png([], tmp_path / "empty.png").read_bytes()[:4] == b"\x89PNG"


def test_export_all_formats_and_reject_unknown(tmp_path):
    paths = export_detections(DETS, tmp_path / "out" / "clip", video="a.mp4")
    assert sorted(p.name for p in paths) == ["clip.csv", "clip.json", "clip.png", "clip.srt", "clip.vtt"]
    assert not list((tmp_path / "out").glob(".*tmp"))  # no temporary files left
    with pytest.raises(ValueError, match="unknown export formats"):
        export_detections(DETS, tmp_path / "x", formats=("json", "docx"))
