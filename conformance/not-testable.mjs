// Statements no black-box test of a runtime can observe, each with the reason. The runner lists
// them in REPORT.md; a statement is either named by a case or here.
export const NOT_TESTABLE = {
  'runtime.md#runtimeState/5': 'a runtime’s own additional statuses cannot be enumerated from outside; that it uses them only for new states is a design rule',
  'features.md#features/1': 'whether the Features structure is fixed at compile time cannot be seen from one binary on one host',
  'features.md#features/2': 'a rule for readers of the Features structure (null is not an empty value), not something a runtime does',
};
