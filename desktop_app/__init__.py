"""Offline desktop assistant: index PDFs and answer questions with page citations.

Importing this package does two things, and nothing else, because every
entry point imports it first: it sets the Hugging Face offline switches,
which must be in the environment before ``transformers`` or
``huggingface_hub`` is first imported, and, where llama.cpp was built with
CUDA, it loads llama.cpp's CUDA library before numpy is imported
(``desktop_app.native`` says why).
"""

from desktop_app.native import preload_gpu_library
from desktop_app.offline import enforce_offline

__version__ = "0.1.0"

enforce_offline()
preload_gpu_library()
