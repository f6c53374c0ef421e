package e2e

// root is the module's directory, seen from this package's: the binary the
// restart tests run is built from it, and the axe-core they load is in it.
const root = "../.."
