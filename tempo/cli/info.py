"""Print what tempo sees in video files: fps, frame count, duration, size, rotation, audio."""
from __future__ import annotations

from ..io import probe
from ..io.discover import expand_inputs
from .common import print_json, run_each

HELP = "show fps, frame count, duration, size, rotation and audio of videos"


def add_arguments(parser) -> None:
    parser.add_argument("inputs", nargs="*", help="video files and/or folders of videos")
    parser.add_argument("--sample", action="store_true", help="also probe the sample clip shipped with tempo")


def run(args) -> int:
    from ..assets import SAMPLE_VIDEO
    from ..errors import UsageError

    inputs = list(args.inputs) + ([str(SAMPLE_VIDEO)] if args.sample else [])
    if not inputs:
        raise UsageError("give video files or folders (or --sample)")
    paths = expand_inputs(inputs)
    result = run_each(paths, lambda p: probe(p).to_dict(), "probing", debug=args.debug)
    if args.json:
        print_json({"videos": list(result.ok.values()), "failed": result.failed})
    else:
        for info in result.ok.values():
            rot = f", rotated {info['rotation']}°" if info["rotation"] else ""
            audio = "audio" if info["has_audio"] else "no audio"
            vfr = ", variable frame rate" if info["variable_frame_rate"] else ""
            print(f"{info['path']}: {info['width']}x{info['height']}{rot}, {info['fps']:.3f} fps{vfr}, "
                  f"{info['num_frames']} frames, {info['duration']:.3f} s, {info['codec']}, {audio}")
    return result.exit_code
