"""A tiny randomly initialised CLIP written as a local Hugging Face folder (config, safetensors, tokenizer), the way
a user's real CLIP folder looks: no download, a few KB. Real CLIP weights do not exist offline."""
import string
from pathlib import Path

TINY = {"model_type": "clip", "projection_dim": 24,
        "text_config": {"vocab_size": 64, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                        "num_attention_heads": 2, "max_position_embeddings": 16,
                        "bos_token_id": 0, "eos_token_id": 1, "pad_token_id": 1},
        "vision_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                          "num_attention_heads": 2, "image_size": 32, "patch_size": 8}}


def write_tokenizer(folder) -> Path:
    """A letters-only byte-level BPE vocabulary: enough to tokenise test sentences."""
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for c in string.ascii_lowercase:
        vocab[c] = len(vocab)
        vocab[c + "</w>"] = len(vocab)
    CLIPTokenizer(vocab=vocab, merges=[]).save_pretrained(str(folder))
    return Path(folder)


def write_tiny_clip(folder, seed: int = 1, config: dict = TINY) -> Path:
    """A random tiny CLIPModel saved with ``save_pretrained`` plus its tokenizer."""
    import torch
    from transformers import CLIPConfig, CLIPModel

    torch.manual_seed(seed)
    CLIPModel(CLIPConfig.from_dict(config)).save_pretrained(str(folder))
    return write_tokenizer(folder)
