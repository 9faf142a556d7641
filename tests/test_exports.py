"""Detection exports: JSON, CSV, SRT, WebVTT and the timeline PNG."""
import csv
import json

import pytest

from tempo.io.exports import (export_detections, write_csv, write_json, write_srt, write_timeline_png,
                              write_vtt)

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
    assert blocks[0].splitlines() == ["1", "00:00:01,000 --> 00:00:02,500", "move_left (0.91)"]
    assert blocks[2].splitlines()[1] == "00:01:05,500 --> 01:02:05,250"


def test_vtt_header_and_dot_times(tmp_path):
    text = write_vtt(DETS, tmp_path / "d.vtt").read_text()
    assert text.startswith("WEBVTT\n\n")
    assert "00:00:01.000 --> 00:00:04.000\ngrow (0.30)" in text
    assert "," not in text.split("\n\n", 1)[1].split("\n")[0]


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
