// The demo users' password hashes, made once (scrypt N=2^17, r=8, p=1, salt = the first 16 bytes of
// sha256("riskdesk demo user NAME")) and kept here: the demo passwords are public (README), so hashing them again
// at every `init --demo` would cost five seconds for nothing. test/users.test.ts checks each against its password.
export const DEMO_PASSWORD_HASHES: Readonly<Record<string, string>> = {
  viewer: 'scrypt$131072$8$1$8R3/cSn4m406AT6dtEtmSw==$wnhegscbhLs1nGercmJRVKBALXPXMaxlj0OnadkMIes=',
  operator: 'scrypt$131072$8$1$vgPT44+nFhP0RcR9cLV/8w==$j26M6vUg3ws4F1Er30utsWRNwAAXK/a38ytWNZzosaU=',
  supervisor: 'scrypt$131072$8$1$T7ND/pqNFCahasDgiGLuGQ==$p7uRY02AfJqUtULMITTS/bJNfABSZVBqI/WrIswH5I4=',
  supervisor2: 'scrypt$131072$8$1$JI5C/H8rmJbbYRFpOjs+aw==$H6z6xO1w6FaUEkfnqjnL83To47CZM/0pvOqiKZ4dvsA=',
  admin: 'scrypt$131072$8$1$aO+xlFgDxyFtVWQ6ppK4Vw==$fVoJtd0EHBtC0FyFRw3EbOTsVQbZ6zwEFNEhEY1k8l0=',
};
