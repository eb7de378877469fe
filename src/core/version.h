/* mxsurvey version: bumped by hand at each release; reported by --version and in run metadata. */
#ifndef MXS_VERSION_H
#define MXS_VERSION_H
#define MXSURVEY_VERSION "0.1.0"
#endif
