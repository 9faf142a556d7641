# Rank the moments a sentence describes across a folder of clips (BAM-DETR; grounder.head="textclip" for TextClipNet).
# Run: tempo run pipelines/ground.py clips/ -o moments/ --cfg-options "query=the red square spins"
#      (moments/moments.json and .csv: query, rank, clip, start, end, score; query=None query_file=q.txt for a file
#      of queries, one a line; "query=[a red square, a blue circle]" for several)
# `tempo ground clips/ "query"` runs this very config; its flags become these overrides (--checkpoint ->
# grounder.checkpoint, --head -> grounder.head, --query-file -> query_file, --top-k -> MomentPost.top_k,
# --prefilter-candidates -> RankMoments.prefilter_candidates, -o x.csv -> ExportRanked.output=x.csv, ...).
# Per clip the features are cached; over the folder the head's output (RankMoments) is cached by every clip's
# content, the queries and the weights, so another top_k / min_score / threshold reruns only MomentPost.
# checkpoint None: the embedded default; official QVHighlights weights also need clip_dir and slowfast_checkpoint
grounder = dict(head="bam_detr", checkpoint=None, clip_dir=None, slowfast_checkpoint=None, slowfast_config=None,
                device=None)
query = "the red square spins"
query_file = None
stages = [
    dict(type="GrounderFeatures", grounder="@grounder"),
]
folder_stages = [
    dict(type="RankMoments", grounder="@grounder", query="@query", query_file="@query_file", prefilter_candidates=128),
    dict(type="MomentPost", grounder="@grounder", top_k=10, min_score=None, threshold=None),
    dict(type="ExportRanked", formats=["json", "csv"], output=None),
]
