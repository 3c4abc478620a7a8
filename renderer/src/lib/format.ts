// The console's number formatter is the one in shared/ (issue 21 item 6), which the server uses for what it writes to
// a person too; the screens import it from here.
export * from '../../../shared/format.ts';
