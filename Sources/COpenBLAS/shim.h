// COpenBLAS: the only place that includes OpenBLAS headers (see ARCHITECTURE.md).
#pragma once
#include <cblas.h>
// Thread control (OpenBLAS extension, declared in openblas_config.h / cblas.h on Debian).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
