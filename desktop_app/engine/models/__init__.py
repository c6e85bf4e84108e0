"""Model files: GGUF reading and checks, loading, trial loads, resources, LoRA adapters, embedding backends."""
