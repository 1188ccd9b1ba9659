# Writes python_written.safetensors with the reference implementation (safetensors 0.8.0 + numpy
# 2.4.6, `safetensors.numpy.save_file`; bfloat16 via ml_dtypes 0.6.0, which rounds to nearest
# even). SafeTensorsInteropTests reads it back and checks that SafeTensorsWriter produces the
# identical bytes from the same values.
# Run: python make_python_written.py   (in a venv with `pip install safetensors==0.8.0 numpy ml_dtypes`)
import ml_dtypes
import numpy as np
from safetensors.numpy import save_file

tensors = {
    "layer.weight": np.arange(12, dtype=np.float32).reshape(3, 4) / 7 - 0.5,
    "layer.bias": np.array([1.5, -2.25, 3e-3], dtype=np.float32),
    "a_scalar": np.array(3.25, dtype=np.float32),
    "empty": np.zeros((0, 5), dtype=np.float32),
    "half": (np.arange(6, dtype=np.float32).reshape(2, 3) / 3 - 1).astype(np.float16),
    # float32 values cast to bfloat16: ties 1+2^-8 (→ 1) and 1+3·2^-8 (→ 1+2^-6), overflow, NaN.
    "brain": np.array([0.1, 1 / 3, 3.14159265, -1e38, 65519.99, 1.00390625, 1.01171875, 3.4e38, np.inf, np.nan],
                      dtype=np.float32).astype(ml_dtypes.bfloat16),
    "zz_half_big": np.array([65504, -0.0, 6.1e-5, 1e-7], dtype=np.float16),
}
save_file(tensors, "python_written.safetensors", metadata={"format": "np"})
