// Simulated fills (at the estimated price, no venue involved) are for drills: a live ledger refuses them, so a drill
// button can never book a fill that never happened into a desk's real book (issue 22). The demo book is where
// drills run until sandbox copies of a live ledger exist (the playbooks issue).

/** Why a simulated fill is refused on a live ledger, for the refusal and for the console's disabled control. */
export const SIMULATE_REFUSED =
  'a simulated fill books a fill at the estimated price that no venue made: it is for drills, and this ledger is a live one. Drills run on the demo book (riskdesk init --demo); on this ledger, record the fill the venue reported, with its price';
