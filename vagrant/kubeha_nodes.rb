# kubeha: the machines of a stack, read from ../Pulumi.<stack>.yaml with the defaults declared in ../Pulumi.yaml,
# so the Vagrantfile and the Pulumi program share one source of truth.
require 'yaml'

module KubehaNodes
  ROLES = {
    'loadBalancers' => ['load-balancer', 'LoadBalancer'],
    'controlPlaneNodes' => ['control-plane', 'ControlPlane'],
    'workers' => ['worker', 'Worker']
  }.freeze

  # The stack's settings: { 'box' =>, 'box_url' =>, 'box_version' =>, 'provider' =>, 'prefix_length' =>,
  # 'nodes' => [{ 'name', 'address', 'role', 'cpus', 'memory' }] }.
  def self.load(project_dir, stack)
    project = YAML.safe_load(File.read(File.join(project_dir, 'Pulumi.yaml'))) || {}
    stack_file = File.join(project_dir, "Pulumi.#{stack}.yaml")
    raise "kubeha: #{stack_file} does not exist (set KUBEHA_STACK)" unless File.exist?(stack_file)
    values = (YAML.safe_load(File.read(stack_file)) || {}).fetch('config', {}) || {}
    setting = lambda do |key|
      values.key?("kubeha:#{key}") ? values["kubeha:#{key}"] : (project.dig('config', key) || {})['default']
    end
    nodes = ROLES.flat_map do |key, (role, size)|
      Array(setting.call(key)).map do |entry|
        name, address = entry.to_s.split('=', 2).map(&:strip)
        raise "kubeha: #{key} entry '#{entry}' is not NAME=ADDRESS" if address.nil? || address.empty?
        { 'name' => name, 'address' => address, 'role' => role,
          'cpus' => Integer(setting.call("vagrant#{size}Cpus")), 'memory' => Integer(setting.call("vagrant#{size}Memory")) }
      end
    end
    { 'box' => setting.call('vagrantBox'), 'box_url' => setting.call('vagrantBoxUrl').to_s,
      'box_version' => setting.call('vagrantBoxVersion').to_s, 'provider' => setting.call('vagrantProvider'),
      'prefix_length' => Integer(setting.call('vipPrefixLength')), 'nodes' => nodes }
  end
end
