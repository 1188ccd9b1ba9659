# Writes python_written.safetensors with the reference implementation (safetensors 0.8.0 + numpy
# 2.4.6, `safetensors.numpy.save_file`). SafeTensorsInteropTests reads it back and checks that
# SafeTensorsWriter produces the identical bytes from the same values.
# Run: python make_python_written.py   (in a venv with `pip install safetensors==0.8.0 numpy`)
import numpy as np
from safetensors.numpy import save_file

tensors = {
    "layer.weight": np.arange(12, dtype=np.float32).reshape(3, 4) / 7 - 0.5,
    "layer.bias": np.array([1.5, -2.25, 3e-3], dtype=np.float32),
    "a_scalar": np.array(3.25, dtype=np.float32),
    "empty": np.zeros((0, 5), dtype=np.float32),
    "half": (np.arange(6, dtype=np.float32).reshape(2, 3) / 3 - 1).astype(np.float16),
    "zz_half_big": np.array([65504, -0.0, 6.1e-5, 1e-7], dtype=np.float16),
}
save_file(tensors, "python_written.safetensors", metadata={"format": "np"})
