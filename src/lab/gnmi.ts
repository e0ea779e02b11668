// Where an emulated switch serves gNMI: on its own address, port 8080, plaintext without auth —
// what sonic-gnmi does when CONFIG_DB has no GNMI|gnmi entry. The server runs in the switch's
// agent process (src/lab/agent/gnmi.ts).
export const GNMI_PORT = 8080;
