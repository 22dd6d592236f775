import { markedSection, withMarkedSection } from './marked-section';

const doc = ['# Benchmarks', '', 'kit figures', '', '<!-- bench:scale -->', 'old', '<!-- /bench:scale -->', ''].join(
  '\n',
);

describe('markedSection', () => {
  it('returns the section with its markers', () => {
    expect(markedSection(doc, 'scale')).toBe('<!-- bench:scale -->\nold\n<!-- /bench:scale -->');
  });

  it('is undefined when the doc has no such section, or only its start marker', () => {
    expect(markedSection('# Benchmarks\n', 'scale')).toBeUndefined();
    expect(markedSection('<!-- bench:scale -->\nhalf', 'scale')).toBeUndefined();
  });
});

describe('withMarkedSection', () => {
  it('replaces only the marked section, leaving the rest as it was', () => {
    expect(withMarkedSection(doc, 'scale', 'new $& figures\n')).toBe(
      [
        '# Benchmarks',
        '',
        'kit figures',
        '',
        '<!-- bench:scale -->',
        'new $& figures',
        '<!-- /bench:scale -->',
        '',
      ].join('\n'),
    );
  });

  it('appends the section after a blank line when the doc has none', () => {
    expect(withMarkedSection('# Benchmarks\n\nkit figures\n', 'scale', 'new')).toBe(
      '# Benchmarks\n\nkit figures\n\n<!-- bench:scale -->\nnew\n<!-- /bench:scale -->\n',
    );
  });

  it('makes a doc of the section alone from an empty file', () => {
    expect(withMarkedSection('', 'scale', 'new')).toBe('<!-- bench:scale -->\nnew\n<!-- /bench:scale -->\n');
  });
});
