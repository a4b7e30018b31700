# kubeha: the machines of one stack, as the stack's VM commands hand them over: each `vagrant up` / `vagrant destroy`
# run by `pulumi up` saves its machine's definition (its stdin, JSON) in $VAGRANT_DOTFILE_PATH/kubeha-machines/
# before calling vagrant. Nothing here reads the stack's config, so config from ESC or --config-file, a renamed
# stack, and a node already removed from the stack all work.
require 'json'

module KubehaNodes
  FIELDS = %w[name vm_prefix address prefix_length cpus memory box box_url box_version].freeze

  # [{ 'name', 'vm_prefix', 'address', 'prefix_length', 'cpus', 'memory', 'box', 'box_url', 'box_version' }], by name.
  def self.load(dotfile_path)
    Dir.glob(File.join(dotfile_path, 'kubeha-machines', '*.json')).sort.map do |file|
      machine = JSON.parse(File.read(file))
      missing = FIELDS.reject { |f| machine.key?(f) }
      raise "kubeha: #{file} lacks #{missing.join(', ')}" unless missing.empty?
      machine
    end
  end
end
