// VersionHelpers.h -- case-correct name for mingw-w64's <versionhelpers.h>.
//
// shadow.cpp includes <VersionHelpers.h> (the Windows SDK's spelling). mingw-w64
// ships the same header as versionhelpers.h, and Linux file names are case
// sensitive, so this forwards to it. vshadow calls only IsWindows8OrGreater().
#pragma once
#include <versionhelpers.h>
