// Step 18: a position in a portfolio-margined instrument is never isolated (issue 17). Such a position is scanned
// with its combined commodity in the account's cross part (methodology §4); an isolated one would be left out of
// every scan and carry no margin at all. The commands refuse it (CSV parse, the instruments import, the what-if);
// these triggers hold it for any other writer (raw SQL), and the book read refuses a row written before this step.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 18,
  name: 'portfolio positions cross',
  up: `
CREATE TRIGGER positions_portfolio_not_isolated_insert BEFORE INSERT ON positions
WHEN NEW.isolated_margin IS NOT NULL
  AND (SELECT margin FROM instruments WHERE id = NEW.instrument_id) = 'portfolio'
BEGIN
  SELECT RAISE(ABORT, 'position of account ' || NEW.account_id || ' in ' || NEW.instrument_id
    || ': ' || NEW.instrument_id || ' is portfolio-margined (scanned with its commodity in the cross part), so the position cannot be isolated');
END;

CREATE TRIGGER positions_portfolio_not_isolated_update BEFORE UPDATE OF isolated_margin, instrument_id ON positions
WHEN NEW.isolated_margin IS NOT NULL
  AND (SELECT margin FROM instruments WHERE id = NEW.instrument_id) = 'portfolio'
BEGIN
  SELECT RAISE(ABORT, 'position of account ' || NEW.account_id || ' in ' || NEW.instrument_id
    || ': ' || NEW.instrument_id || ' is portfolio-margined (scanned with its commodity in the cross part), so the position cannot be isolated');
END;

CREATE TRIGGER instruments_portfolio_no_isolated_positions BEFORE UPDATE OF margin ON instruments
WHEN NEW.margin = 'portfolio'
  AND EXISTS (SELECT 1 FROM positions WHERE instrument_id = NEW.id AND isolated_margin IS NOT NULL)
BEGIN
  SELECT RAISE(ABORT, 'instrument ' || NEW.id || ' cannot become portfolio-margined: account '
    || (SELECT account_id FROM positions WHERE instrument_id = NEW.id AND isolated_margin IS NOT NULL ORDER BY account_id LIMIT 1)
    || ' holds an isolated position in it (a portfolio position is scanned in the cross part)');
END;
`,
};
