"""Offline desktop assistant: index PDFs and answer questions with page citations.

Importing this package sets the Hugging Face offline switches (and nothing
else): they must be in the environment before ``transformers`` or
``huggingface_hub`` is first imported, and every entry point imports this
package first.
"""

from desktop_app.offline import enforce_offline

__version__ = "0.1.0"

enforce_offline()
