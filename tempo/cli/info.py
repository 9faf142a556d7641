"""Print what tempo sees in video files: fps, frame count, duration, size, rotation, audio.

Frame count and duration are counted from the packets the file holds (read, not decoded); what the
container header claims is shown only where it differs. ``--decode`` decodes every frame (slow, memory
stays flat) and lists the frames that cannot be decoded.
"""
from __future__ import annotations

from ..io import probe
from ..io.discover import expand_inputs
from .common import print_json, run_each

HELP = "show fps, frame count, duration, size, rotation and audio of videos"


def add_arguments(parser) -> None:
    parser.add_argument("inputs", nargs="*", help="video files and/or folders of videos")
    parser.add_argument("--sample", action="store_true", help="also probe the sample clip shipped with tempo")
    parser.add_argument("--decode", action="store_true",
                        help="decode every frame to find damaged ones (slow; default: count packets only)")


def describe(path, decode: bool = False) -> dict:
    info = probe(path).to_dict()
    if decode:
        from ..io import VideoReader

        reader = VideoReader(path, backend="pyav")
        info.update(decoded_frames=reader.scan(), lost=reader.lost_summary())
        info["checked"] = "decoded"
    return info


def checked_note(info: dict) -> str:
    """What the numbers rest on, and what the header claims where it disagrees."""
    if info["checked"] == "decoded":
        note = f"decoded, {info['lost']}" if info["lost"] else f"decoded: all {info['decoded_frames']} frames"
    elif info["checked"] == "packets":
        note = "packets counted, not decoded"
    else:
        note = "from the container header, not verified"
    frames, seconds = info["header_frames"], info["header_duration"]
    if info["checked"] != "header" and (
            (frames and frames != info["num_frames"]) or (seconds and abs(seconds - info["duration"]) > 1.0)):
        note += f"; the header claims {frames} frames, {seconds:.3f} s (ignored)"
    return f" [{note}]"


def run(args) -> int:
    from ..assets import SAMPLE_VIDEO
    from ..errors import UsageError

    inputs = list(args.inputs) + ([str(SAMPLE_VIDEO)] if args.sample else [])
    if not inputs:
        raise UsageError("give video files or folders (or --sample)")
    paths = expand_inputs(inputs)
    result = run_each(paths, lambda p: describe(p, args.decode), "probing", debug=args.debug)
    if args.json:
        print_json({"videos": list(result.ok.values()), "failed": result.failed})
    else:
        for info in result.ok.values():
            rot = f", rotated {info['rotation']}°" if info["rotation"] else ""
            audio = "audio" if info["has_audio"] else "no audio"
            vfr = ", variable frame rate" if info["variable_frame_rate"] else ""
            print(f"{info['path']}: {info['width']}x{info['height']}{rot}, {info['fps']:.3f} fps{vfr}, "
                  f"{info['num_frames']} frames, {info['duration']:.3f} s, {info['codec']}, {audio}"
                  + checked_note(info))
    return result.exit_code
