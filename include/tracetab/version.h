/* tracetab/version.h - the one place the release version is written. */
#ifndef TRACETAB_VERSION_H
#define TRACETAB_VERSION_H

#define TRACETAB_VERSION "0.1.0"

#endif
