"""The remote code shipped in every exported folder (`auto_map`): a DeciLM / nemotron-nas config and model
built on the installed `transformers` Llama modules, so `AutoModelForCausalLM.from_pretrained(folder,
trust_remote_code=True)` needs only torch and transformers. These files must never import `tessel`."""

from pathlib import Path

REMOTE_CODE_FILES = ("configuration_decilm.py", "modeling_decilm.py")
REMOTE_CODE_DIR = Path(__file__).parent
AUTO_MAP = {
    "AutoConfig": "configuration_decilm.DeciLMConfig",
    "AutoModelForCausalLM": "modeling_decilm.DeciLMForCausalLM",
}
