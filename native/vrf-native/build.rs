// Node-API linking: on Linux the napi_* symbols stay undefined and are resolved from the node process at load.
fn main() {
    napi_build::setup();
}
