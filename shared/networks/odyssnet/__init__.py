"""OdyssNet in numpy: the catalog's shared recurrent baseline (see shared/README.md)."""

from shared.networks.odyssnet.history import TrainingHistory, set_seed
from shared.networks.odyssnet.network import OdyssNet, init_array, prepare_input
from shared.networks.odyssnet.store import (CheckpointError, build_model, get_checkpoint_info, load_checkpoint,
                                            save_checkpoint, transplant_weights)
from shared.networks.odyssnet.sequence import OdyssNetSequence
from shared.networks.odyssnet.sparse import SparseOdyssNet
from shared.networks.odyssnet.topology import GrowthPolicy, neuron_utility
from shared.networks.odyssnet.trainer import OdyssNetTrainer

__all__ = ["OdyssNet", "OdyssNetTrainer", "OdyssNetSequence", "SparseOdyssNet", "GrowthPolicy", "neuron_utility", "TrainingHistory",
           "set_seed", "init_array", "prepare_input", "CheckpointError", "save_checkpoint", "load_checkpoint",
           "transplant_weights", "get_checkpoint_info", "build_model"]
