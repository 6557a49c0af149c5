// A console page of the test module: proves a module adds a page from its own folder.
export default {
  render({ el }) {
    el.append('hello from a module');
  },
};
