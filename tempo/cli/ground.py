"""Find the moments a sentence describes across a folder of clips (BAM-DETR).

The folder is indexed once (features cached by content: every 0.27 s with the embedded default, so a second
search over the same folder decodes nothing); every query then ranks moments across all clips. No length limit:
long clips are searched in overlapping windows. On large folders (64+ clips) a clip pre-filter picks the
candidate clips first (the embedded default's needs no file; other models ship ``<name>.prefilter.safetensors``).
This command runs pipelines/ground.py (its flags become --cfg-options): the head's output over the folder is
cached too (by every clip's content, the queries and the weights), so another --top-k only re-ranks. A clip that
cannot be read is one "skipped:" line; the others are searched and the exit status is 1.

The embedded default was trained on tempo's synthetic scenes: its words are shapes (circle, square, triangle,
star, hexagon, diamond, cross, pentagon and synonyms), colours, sizes, textures and the 13 synthetic actions
(moves left/right/up/down, grows, shrinks, spins, blinks, changes colour, bounces, appears, disappears). It ranks
clips for any query, but on real footage its scores mean nothing; a query with other words prints a note.
A model trained on CLIP features (configs/bam_detr/clip.py) names its CLIP folder in its bundle; official BAM-DETR
weights (model.ckpt) need --clip-dir, and those that also read SlowFast features are refused with a note (README,
'Real footage').

Examples:
  tempo ground clips/ "the small red triangle spins clockwise"
  tempo ground clips/ --query-file queries.txt --top-k 5 -o results.csv
  tempo ground clips/ "a dog jumps" --prefilter-candidates 0                 # the head on every clip
  tempo ground clips/ "a dog jumps" --checkpoint work_dirs/clip/search.safetensors   # trained on CLIP features
  tempo ground clips/ "a dog jumps" --checkpoint model.ckpt --clip-dir clip-vit-base-patch32   # official weights
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError, UsageError
from ..io.outputs import check_output_file
from ..official import apply_model
from .common import print_json

HELP = "rank moments matching a text query across a folder of clips"


def add_arguments(parser) -> None:
    parser.add_argument("folder", help="folder of video clips (searched recursively), or one video")
    parser.add_argument("query", nargs="?", help="the text to search for")
    parser.add_argument("--query-file", help="a text file with one query per line")
    parser.add_argument("--top-k", type=int, default=10, help="moments to return per query (default 10)")
    parser.add_argument("--head", choices=("bam_detr", "textclip"), default="bam_detr",
                        help="bam_detr: the BAM-DETR grounder (default); textclip: runs of 0.27-s rows whose "
                             "TextClipNet match probability is >= 0.5 (reads the query: R1@0.5 ~50 on unseen synth "
                             "scenes where the default BAM-DETR gives 8)")
    parser.add_argument("--checkpoint", help="tempo .safetensors bundle or official BAM-DETR model.ckpt "
                        "(with --head textclip: TextClipNet weights)")
    parser.add_argument("--model", help="official weights by name (tempo weights list), e.g. bam-detr-qvhighlights; "
                        "sets --checkpoint and --clip-dir")
    parser.add_argument("--slowfast", help="mmaction2 SlowFast checkpoint: official QVHighlights weights read "
                        "SlowFast + CLIP image features per 2-s clip (with --clip-dir)")
    parser.add_argument("--slowfast-config", help="its mmaction2 config (default: mmaction's SlowFast-R50 8x8; "
                        "runs as Python)")
    parser.add_argument("--clip-dir", default=None,
                        help="local Hugging Face CLIP folder for a model that reads CLIP features: needed for an "
                             "official BAM-DETR model.ckpt; replaces the folder a tempo bundle names (nothing is "
                             "downloaded)")
    parser.add_argument("-o", "--output", help="write results to this .json or .csv file")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--prefilter-candidates", type=int, default=128, metavar="N",
                        help="on large folders, run the grounding head only on the N clips the checkpoint's "
                             "pre-filter ranks best (default 128; 0 = every clip)")


def overrides(args, query) -> dict:
    """The flags as ``--cfg-options`` of ``pipelines/ground.py``: ``tempo ground`` runs that config."""
    return {"grounder.head": args.head, "grounder.checkpoint": args.checkpoint, "grounder.clip_dir": args.clip_dir,
            "grounder.slowfast_checkpoint": args.slowfast, "grounder.slowfast_config": args.slowfast_config,
            "grounder.device": args.device, "query": query, "query_file": args.query_file,
            "RankMoments.prefilter_candidates": args.prefilter_candidates, "MomentPost.top_k": args.top_k,
            "ExportRanked.output": args.output}


def run(args) -> int:
    from ..io.discover import expand_inputs
    from ..tasks.vocabulary import query_note
    from ..stages.complete import resolve_device
    from .pipelines import build, run_over

    args.device = resolve_device(args.device)  # --device cuda without CUDA: one line before any work
    apply_model(args, "ground")  # --model NAME -> --checkpoint/--clip-dir of its fetched files
    if args.query is not None and not args.query.strip():
        raise UsageError("give a non-empty query or --query-file")
    if args.query_file and not Path(args.query_file).is_file():
        raise InputError(args.query_file, "query file not found")
    if not args.query and not args.query_file:
        raise UsageError("give a non-empty query or --query-file")
    folder = Path(args.folder)
    if not folder.exists():
        raise InputError(folder, "no such file or folder")
    if args.prefilter_candidates < 0:
        raise UsageError("--prefilter-candidates must be 0 or more")
    if args.clip_dir and args.head != "bam_detr":
        raise UsageError("--clip-dir goes with --head bam_detr (TextClipNet reads no CLIP features)")
    if args.output:
        check_output_file(args.output, {".json", ".csv"})  # before indexing the folder
    pipeline = build("ground", overrides(args, args.query or None))  # loads the model: a bad one is one line here
    rank = pipeline.folder_stages[0]
    queries = rank.queries()
    note = query_note(queries, rank.engine.bundle)  # the model ranks clips for any words, even unseen ones: say so
    if note:
        print(note, file=sys.stderr)
    ids = [(p, None) for p in expand_inputs([folder])]
    result = run_over(pipeline, ids, None, lambda path, ctx: str(path), "indexing clips", debug=args.debug,
                      failed_word="skipped")
    if result.rank:  # under torchrun rank 0 ranks the folder and reports
        return 0
    if result.folder is None:
        raise InputError(folder, "no readable video clips to search")
    rows = result.folder["moments"]
    if args.json:
        skipped = {path: _reason(path, msg) for path, msg in result.failed.items()}
        print_json({"results": rows, "clips": len(result.ok), "skipped": skipped})
    elif not args.output:
        for r in rows:
            print(f"{r['rank']:>3}  {r['score']:.3f}  {r['start']:8.2f} – {r['end']:8.2f} s  {r['clip']}"
                  + (f"   [{r['query']}]" if len(queries) > 1 else ""))
    return result.exit_code


def _reason(path: str, message: str) -> str:
    """A failure line without the path it starts with (the JSON keys are the paths)."""
    return message[len(path) + 2:] if message.startswith(f"{path}: ") else message
